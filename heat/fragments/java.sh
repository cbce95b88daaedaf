#!/bin/bash
# cloud-init part 1 on every node: Java 17 (Hadoop 3.5, Spark 4 and Kafka 4 all need it),
# Python for the TweeTics job, and curl for the downloads that follow.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
    openjdk-17-jre-headless python3 python3-venv curl ca-certificates
java -version

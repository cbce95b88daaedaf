# Kafka 4.3.1 (KRaft, combined broker+controller by default) from the jars the local launcher resolves
# (deploy/local/maven/kafka/pom.xml -> .cache/jars/kafka; `make images` fetches them first), on Debian
# with Debian's JRE. Configure with KAFKA_<PROPERTY> variables (KAFKA_ADVERTISED_LISTENERS=...) and
# CLUSTER_ID, as for the apache/kafka image.
# Build context: the repository root.
#   docker build -f deploy/docker/kafka.Dockerfile -t ghcr.io/tweetics/kafka:4.3.1 .
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE}
# The same first layer in the Kafka, Hadoop and Spark images, built once and shared (so no
# ARG above it: an ARG in scope is part of a RUN's cache key).
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 tweetics \
 && useradd --system --uid 10001 --gid 10001 --home-dir /opt/tweetics --shell /usr/sbin/nologin tweetics
ARG KAFKA_VERSION=4.3.1
COPY .cache/jars/kafka/ /opt/kafka/libs/
# kafka-topics.sh (deploy/local/maven/kafka-tools): the Kubernetes topics Job runs it.
COPY .cache/jars/kafka-tools/ /opt/kafka/tools/
COPY deploy/docker/kafka/log4j2.properties /opt/kafka/config/
COPY deploy/docker/kafka/kafka-start deploy/docker/kafka/kafka-ready deploy/docker/kafka/kafka-topics.sh /opt/kafka/bin/
# /etc/kafka/docker/run: the start command's name in the apache/kafka image, which the manifests use.
RUN rm -f /opt/kafka/libs/.complete /opt/kafka/tools/.complete \
 && mkdir -p /etc/kafka/docker && ln -s /opt/kafka/bin/kafka-start /etc/kafka/docker/run \
 && test -f "/opt/kafka/libs/kafka_2.13-${KAFKA_VERSION}.jar" \
 && install -d -o 10001 -g 10001 /var/lib/kafka /var/lib/kafka/data
ENV PATH=/opt/kafka/bin:$PATH
USER 10001:10001
EXPOSE 9092 9093
HEALTHCHECK --interval=5s --timeout=6s --start-period=180s --retries=36 CMD ["kafka-ready"]
ENTRYPOINT ["kafka-start"]

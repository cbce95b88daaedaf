#!/bin/bash
# cloud-init on Spark nodes: the Spark binary release (SHA-512 checked by tweetics-apache-release)
# and the Structured Streaming Kafka connector jars from Maven Central (checked against their SHA-1).
set -euo pipefail
# shellcheck source=/dev/null
. /etc/tweetics/node.env

tweetics-apache-release "${APACHE_MIRROR}/spark/spark-${SPARK_VERSION}/spark-${SPARK_VERSION}-bin-hadoop3.tgz"
ln -sfn "/opt/spark-${SPARK_VERSION}-bin-hadoop3" /opt/spark

# group:artifact:version -> repository path; every jar lands on Spark's own classpath.
IFS=, read -r -a coordinates <<< "$SPARK_KAFKA_JARS"
for gav in "${coordinates[@]}"; do
    IFS=: read -r group artifact version <<< "$gav"
    jar="${artifact}-${version}.jar"
    jar_url="${MAVEN_REPOSITORY}/${group//.//}/${artifact}/${version}/${jar}"
    curl -fsSL -o "/opt/spark/jars/${jar}" "$jar_url"
    sha1="$(curl -fsSL "${jar_url}.sha1" | awk '{print $1}')"
    echo "${sha1}  /opt/spark/jars/${jar}" | sha1sum -c -
done

id spark >/dev/null 2>&1 || useradd --system --create-home --shell /usr/sbin/nologin spark
install -d -o spark -g spark /opt/spark/work /var/log/spark
cat > /opt/spark/conf/spark-defaults.conf <<CONF
spark.driver.port 7079
spark.blockManager.port 7080
spark.sql.session.timeZone UTC
CONF

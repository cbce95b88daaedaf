#!/bin/bash
# cloud-init on Spark nodes: the Spark binary release (checked against its SHA-512) and the
# Structured Streaming Kafka connector jars from Maven Central (checked against their SHA-1).
set -euo pipefail
# shellcheck source=/dev/null
. /etc/tweetics/node.env

tarball="spark-${SPARK_VERSION}-bin-hadoop3.tgz"
url="${APACHE_MIRROR}/spark/spark-${SPARK_VERSION}/${tarball}"
cd /tmp
curl -fsSLO "$url"
curl -fsSLO "${url}.sha512"
# Older releases publish "name: HEX HEX ..." (gpg --print-md), newer ones "hex  name".
if grep -q ':' "${tarball}.sha512"; then
    expected="$(cut -d: -f2- "${tarball}.sha512" | tr -d ' \n' | tr 'A-F' 'a-f')"
else
    expected="$(awk '{print $1}' "${tarball}.sha512")"
fi
actual="$(sha512sum "$tarball" | awk '{print $1}')"
if [ "$expected" != "$actual" ]; then
    echo "spark-install: checksum mismatch for $tarball" >&2
    exit 1
fi
tar -xzf "$tarball" -C /opt
ln -sfn "/opt/spark-${SPARK_VERSION}-bin-hadoop3" /opt/spark
rm -f "$tarball" "${tarball}.sha512"

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

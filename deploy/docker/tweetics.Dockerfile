# tweetics: the Spark image. pyspark 4.0.0 (its bundled Spark runs master, worker, driver and
# executors), Debian's Java 17, the TweeTics job, and the Structured Streaming Kafka connector jars on
# Spark's classpath: the four the local launcher resolves (deploy/local/maven/spark-kafka/pom.xml ->
# .cache/jars/spark-kafka; `make images` fetches them first). Build context: the repository root.
#   docker build -f deploy/docker/tweetics.Dockerfile -t ghcr.io/tweetics/tweetics:0.1.0 .
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
# Debian's Python 3.11 in a virtualenv (the final stage has the same /usr/bin/python3.11).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/venv
WORKDIR /src
ENV PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
# The job and the ground floor it imports (tweetcontract: the hashtag rules, the output format);
# the other programs stay out: setuptools packages only the folders that exist.
COPY tweetcontract/ tweetcontract/
COPY tweetics/ tweetics/
# The tweetics extra is pyspark, pinned there (it must match the connector jars below).
# The host's CA bundle (a build secret, never in a layer) for machines whose egress re-signs TLS.
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=pip-ca \
 if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
 && pip install ".[tweetics]"

FROM ${BASE_IMAGE}
# The same first layer in the Kafka, Hadoop and Spark images, built once and shared (so no
# ARG above it: an ARG in scope is part of a RUN's cache key).
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 tweetics \
 && useradd --system --uid 10001 --gid 10001 --home-dir /opt/tweetics --shell /usr/sbin/nologin tweetics
ARG SPARK_VERSION=4.0.0
ARG SCALA_BINARY_VERSION=2.13
ARG SPARK_KAFKA_CLIENTS_VERSION=3.9.0
ARG COMMONS_POOL2_VERSION=2.12.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o 10001 -g 10001 /opt/tweetics /opt/tweetics/work
COPY --from=build /opt/venv /opt/venv
# `tweetics submit` zips the job's packages into TWEETICS_CACHE_DIR (default ~/.cache/tweetics).
ENV SPARK_HOME=/opt/venv/lib/python3.11/site-packages/pyspark \
    TWEETICS_CACHE_DIR=/opt/tweetics/work/cache
COPY .cache/jars/spark-kafka/spark-sql-kafka-0-10_${SCALA_BINARY_VERSION}-${SPARK_VERSION}.jar \
     .cache/jars/spark-kafka/spark-token-provider-kafka-0-10_${SCALA_BINARY_VERSION}-${SPARK_VERSION}.jar \
     .cache/jars/spark-kafka/kafka-clients-${SPARK_KAFKA_CLIENTS_VERSION}.jar \
     .cache/jars/spark-kafka/commons-pool2-${COMMONS_POOL2_VERSION}.jar \
     ${SPARK_HOME}/jars/
ENV PATH=/opt/venv/bin:${SPARK_HOME}/bin:$PATH \
    PYSPARK_PYTHON=/opt/venv/bin/python \
    PYTHONUNBUFFERED=1 \
    TWEETICS_JARS=${SPARK_HOME}/jars/spark-sql-kafka-0-10_${SCALA_BINARY_VERSION}-${SPARK_VERSION}.jar,${SPARK_HOME}/jars/spark-token-provider-kafka-0-10_${SCALA_BINARY_VERSION}-${SPARK_VERSION}.jar,${SPARK_HOME}/jars/kafka-clients-${SPARK_KAFKA_CLIENTS_VERSION}.jar,${SPARK_HOME}/jars/commons-pool2-${COMMONS_POOL2_VERSION}.jar
WORKDIR /opt/tweetics
USER 10001:10001
# 7077/8080 master, 7078/8081 worker, 7079/7080/4040 driver.
EXPOSE 7077 7078 7079 7080 8080 8081 4040
ENTRYPOINT ["tweetics"]
CMD ["--help"]

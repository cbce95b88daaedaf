# HDFS 3.5.0 (NameNode, DataNode and the dfs/dfsadmin tools) from the jars the local launcher resolves
# (deploy/local/maven/hadoop/pom.xml -> .cache/jars/hadoop; `make images` fetches them first), on Debian
# with Debian's JRE. `hdfs namenode, datanode, dfs ..., dfsadmin ...` (as Hadoop spells it); health: `hdfs-ready ROLE`.
# Build context: the repository root.
#   docker build -f deploy/docker/hadoop.Dockerfile -t ghcr.io/tweetics/hadoop:3.5.0 .
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
ARG HADOOP_VERSION=3.5.0
COPY .cache/jars/hadoop/ /opt/hadoop/lib/
COPY deploy/docker/hadoop/log4j.properties /opt/hadoop/etc/
COPY deploy/docker/hadoop/hdfs deploy/docker/hadoop/hdfs-ready /opt/hadoop/bin/
RUN rm -f /opt/hadoop/lib/.complete \
 && test -f "/opt/hadoop/lib/hadoop-hdfs-${HADOOP_VERSION}.jar" \
 && useradd --system --uid 1000 --gid 100 --no-create-home --shell /usr/sbin/nologin hadoop \
 && install -d -o 10001 -g 10001 /var/lib/hadoop /var/lib/hadoop/name /var/lib/hadoop/data /var/lib/hadoop/tmp
# Hadoop's login needs a name for its uid: 10001 is tweetics; 1000 (hadoop), the uid the Kubernetes
# manifests run HDFS as, has one too. HADOOP_USER_NAME makes both the HDFS user tweetics (the superuser).
ENV PATH=/opt/hadoop/bin:$PATH HADOOP_USER_NAME=tweetics
USER 10001:10001
# NameNode 8020 (RPC) and 9870 (HTTP, WebHDFS); DataNode 9864 (HTTP), 9866 (data), 9867 (IPC).
EXPOSE 8020 9870 9864 9866 9867
HEALTHCHECK --interval=5s --timeout=6s --start-period=180s --retries=36 CMD ["hdfs-ready"]
ENTRYPOINT ["hdfs"]
CMD ["namenode"]

#!/bin/bash
# cloud-init on HDFS nodes: Hadoop from the Apache archive (SHA-512 checked by
# tweetics-apache-release), plus the configuration shared by NameNode and DataNodes.
set -euo pipefail
# shellcheck source=/dev/null
. /etc/tweetics/node.env

tweetics-apache-release "${APACHE_MIRROR}/hadoop/common/hadoop-${HADOOP_VERSION}/hadoop-${HADOOP_VERSION}.tar.gz"
ln -sfn "/opt/hadoop-${HADOOP_VERSION}" /opt/hadoop

id hdfs >/dev/null 2>&1 || useradd --system --create-home --shell /usr/sbin/nologin hdfs
install -d -o hdfs -g hdfs -m 0700 /srv/hdfs

java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
cat > /etc/profile.d/hadoop.sh <<PROFILE
export JAVA_HOME=${java_home}
export HADOOP_HOME=/opt/hadoop
export PATH=\$PATH:/opt/hadoop/bin
PROFILE

cat > /opt/hadoop/etc/hadoop/core-site.xml <<XML
<?xml version="1.0"?>
<configuration>
  <property><name>fs.defaultFS</name><value>hdfs://${NAMENODE_HOST}:8020</value></property>
</configuration>
XML

cat > /opt/hadoop/etc/hadoop/hdfs-site.xml <<XML
<?xml version="1.0"?>
<configuration>
  <property><name>dfs.namenode.name.dir</name><value>file:///srv/hdfs/name</value></property>
  <property><name>dfs.datanode.data.dir</name><value>file:///srv/hdfs/data</value></property>
  <property><name>dfs.namenode.rpc-bind-host</name><value>0.0.0.0</value></property>
  <property><name>dfs.namenode.http-bind-host</name><value>0.0.0.0</value></property>
  <property><name>dfs.namenode.http-address</name><value>${NAMENODE_HOST}:9870</value></property>
  <property><name>dfs.datanode.address</name><value>0.0.0.0:9866</value></property>
  <property><name>dfs.datanode.http.address</name><value>0.0.0.0:9864</value></property>
  <property><name>dfs.datanode.ipc.address</name><value>0.0.0.0:9867</value></property>
  <property><name>dfs.replication</name><value>3</value></property>
  <property><name>dfs.webhdfs.enabled</name><value>true</value></property>
</configuration>
XML
sed -i "s|^# export JAVA_HOME=.*|export JAVA_HOME=${java_home}|" /opt/hadoop/etc/hadoop/hadoop-env.sh

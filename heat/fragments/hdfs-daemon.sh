#!/bin/bash
# cloud-init on HDFS nodes: run this node's daemon (NameNode or DataNode) under systemd. The
# NameNode is formatted on first boot only and then creates the TweeTics directories.
set -euo pipefail
# shellcheck source=/dev/null
. /etc/tweetics/node.env
# shellcheck source=/dev/null
. /etc/profile.d/hadoop.sh

case "$ROLE" in
    namenode|datanode) ;;
    *) echo "hdfs-daemon: unknown role '$ROLE'" >&2; exit 1 ;;
esac

if [ "$ROLE" = namenode ] && [ ! -f /srv/hdfs/name/current/VERSION ]; then
    sudo -u hdfs -E /opt/hadoop/bin/hdfs namenode -format -nonInteractive -clusterId tweetics
fi

cat > "/etc/systemd/system/hdfs-${ROLE}.service" <<UNIT
[Unit]
Description=HDFS ${ROLE}
After=network-online.target
Wants=network-online.target

[Service]
User=hdfs
Environment=JAVA_HOME=${JAVA_HOME}
Environment=HADOOP_HOME=/opt/hadoop
ExecStart=/opt/hadoop/bin/hdfs ${ROLE}
Restart=on-failure
RestartSec=10
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now "hdfs-${ROLE}.service"

if [ "$ROLE" = namenode ] && [ -n "$HDFS_PATHS" ]; then
    # Leaves safe mode once enough DataNodes reported; wait, then create the directories.
    sudo -u hdfs -E /opt/hadoop/bin/hdfs dfsadmin -safemode wait
    read -r -a paths <<< "$HDFS_PATHS"
    sudo -u hdfs -E /opt/hadoop/bin/hdfs dfs -mkdir -p "${paths[@]}"
    # The Spark nodes run the driver and executors as user "spark" (spark-install.sh).
    sudo -u hdfs -E /opt/hadoop/bin/hdfs dfs -chown spark "${paths[@]}"
fi

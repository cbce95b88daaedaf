#!/bin/bash
# cloud-init on Spark nodes: start this node's role under systemd. master and worker run the
# standalone daemons in the foreground (spark-class); driver submits TweeTics in client mode.
set -euo pipefail
# shellcheck source=/dev/null
. /etc/tweetics/node.env

java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
node_ip="$(hostname -I | awk '{print $1}')"
jars="$(find /opt/spark/jars -name 'spark-sql-kafka-*.jar' -o -name 'spark-token-provider-kafka-*.jar' \
        -o -name 'kafka-clients-*.jar' -o -name 'commons-pool2-*.jar' | sort | paste -sd, -)"

case "$ROLE" in
    master)
        exec_start="/opt/spark/bin/spark-class org.apache.spark.deploy.master.Master --host ${node_ip} --port 7077 --webui-port 8080"
        ;;
    worker)
        exec_start="/opt/spark/bin/spark-class org.apache.spark.deploy.worker.Worker --host ${node_ip} --port 7078 --webui-port 8081 --cores ${WORKER_CORES} --memory ${WORKER_MEMORY} --work-dir /opt/spark/work ${SPARK_MASTER_URL}"
        ;;
    driver)
        exec_start="/opt/tweetics/venv/bin/tweetics submit --master ${SPARK_MASTER_URL} --bootstrap-servers ${KAFKA_BOOTSTRAP_SERVERS} --topic ${TOPIC} --output ${OUTPUT_URL} --checkpoint ${CHECKPOINT_URL}"
        # Kafka is SASL_SSL: the job reads its login from a file only user spark can read (not argv).
        if [ -s /etc/tweetics/kafka-client.properties ]; then
            chown spark: /etc/tweetics/kafka-client.properties
            chmod 0600 /etc/tweetics/kafka-client.properties
            exec_start="${exec_start} --kafka-config-file /etc/tweetics/kafka-client.properties"
        fi
        ;;
    *)
        echo "spark-daemon: unknown role '$ROLE'" >&2
        exit 1
        ;;
esac

cat > "/etc/systemd/system/spark-${ROLE}.service" <<UNIT
[Unit]
Description=Spark ${ROLE} (TweeTics)
After=network-online.target
Wants=network-online.target

[Service]
User=spark
Environment=JAVA_HOME=${java_home}
Environment=SPARK_HOME=/opt/spark
Environment=SPARK_LOCAL_IP=${node_ip}
Environment=TWEETICS_JARS=${jars}
Environment=TWEETICS_CACHE_DIR=/var/cache/tweetics
Environment=PYSPARK_PYTHON=/opt/tweetics/venv/bin/python
Environment=PATH=/opt/tweetics/venv/bin:/opt/spark/bin:/usr/bin:/bin
ExecStart=${exec_start}
Restart=on-failure
RestartSec=15

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now "spark-${ROLE}.service"

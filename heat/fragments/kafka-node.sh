#!/bin/bash
# cloud-init on Kafka VMs: Kafka from the Apache archive (SHA-512 checked by
# tweetics-apache-release), a combined broker+controller in KRaft mode with a static quorum of all
# nodes (no ZooKeeper), and, on node 0, the pipeline's topics once the quorum is up.
set -euo pipefail
# shellcheck source=/dev/null
. /etc/tweetics/node.env

tweetics-apache-release "${APACHE_MIRROR}/kafka/${KAFKA_VERSION}/kafka_2.13-${KAFKA_VERSION}.tgz"
ln -sfn "/opt/kafka_2.13-${KAFKA_VERSION}" /opt/kafka

id kafka >/dev/null 2>&1 || useradd --system --create-home --shell /usr/sbin/nologin kafka
install -d -o kafka -g kafka /var/lib/kafka

voters=""
IFS=, read -r -a ips <<< "$BROKER_IPS"
for i in "${!ips[@]}"; do
    voters="${voters:+${voters},}${i}@${ips[$i]}:9093"
done
replication=$(( ${#ips[@]} < 3 ? ${#ips[@]} : 3 ))
min_isr=$(( replication > 1 ? 2 : 1 ))

cat > /opt/kafka/config/tweetics.properties <<PROPS
process.roles=broker,controller
node.id=${NODE_ID}
controller.quorum.voters=${voters}
listeners=PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093
advertised.listeners=PLAINTEXT://${NODE_IP}:9092
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=/var/lib/kafka/logs
default.replication.factor=${replication}
min.insync.replicas=${min_isr}
offsets.topic.replication.factor=${replication}
transaction.state.log.replication.factor=${replication}
transaction.state.log.min.isr=${min_isr}
auto.create.topics.enable=false
PROPS

# Static quorum (controller.quorum.voters): format without --standalone.
sudo -u kafka /opt/kafka/bin/kafka-storage.sh format --ignore-formatted \
    --cluster-id "$CLUSTER_ID" --config /opt/kafka/config/tweetics.properties

cat > /etc/systemd/system/kafka.service <<UNIT
[Unit]
Description=Kafka broker+controller (KRaft)
After=network-online.target
Wants=network-online.target

[Service]
User=kafka
Environment="KAFKA_HEAP_OPTS=-Xms1g -Xmx1g"
ExecStart=/opt/kafka/bin/kafka-server-start.sh /opt/kafka/config/tweetics.properties
Restart=on-failure
RestartSec=10
LimitNOFILE=100000

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now kafka.service

if [ "$NODE_ID" = 0 ]; then
    for attempt in $(seq 1 60); do
        if /opt/kafka/bin/kafka-topics.sh --bootstrap-server "${NODE_IP}:9092" --list >/dev/null 2>&1; then
            break
        fi
        echo "kafka-node: waiting for the quorum (attempt ${attempt})"
        sleep 10
    done
    for name in "$TOPIC" "${TOPIC}.dlq"; do
        /opt/kafka/bin/kafka-topics.sh --bootstrap-server "${NODE_IP}:9092" --create --if-not-exists \
            --topic "$name" --partitions 6 --replication-factor "$replication" \
            --config "min.insync.replicas=${min_isr}"
    done
fi

#!/bin/bash
# cloud-init on Kafka VMs: Kafka from the Apache archive (SHA-512 checked by
# tweetics-apache-release), a combined broker+controller in KRaft mode with a static quorum of all
# nodes (no ZooKeeper), and, on node 0, the pipeline's topics once the quorum is up.
# Clients and brokers talk SASL_SSL (SCRAM-SHA-512) on 9092: a TLS certificate for this node's address
# signed at boot by the stack's CA, SCRAM users stored in KRaft at format time. Only the controller
# listener (9093, the tenant network, brokers alone) stays PLAINTEXT. Secrets come from root-only
# files and reach Java through owner-only files, never a command line.
set -euo pipefail
# shellcheck source=/dev/null
. /etc/tweetics/node.env
# shellcheck source=/dev/null
. /etc/tweetics/kafka-secrets.env

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

# This node's TLS identity: a key, a certificate for its address signed by the stack's CA, and a
# PKCS#12 keystore under a random password. The CA key leaves the VM once it has signed.
tls=/etc/kafka-tls
install -d -m 0750 -o root -g kafka "$tls"
umask 077
if [ ! -s "$tls/broker.p12" ]; then
    printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$NODE_IP" > "$tls/san.ext"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tls/broker.key" \
        -out "$tls/broker.csr" -subj "/CN=${NODE_IP}"
    openssl x509 -req -in "$tls/broker.csr" -CA /etc/tweetics/kafka-ca.pem -CAkey /etc/tweetics/kafka-ca.key \
        -CAcreateserial -out "$tls/broker.pem" -days 825 -extfile "$tls/san.ext"
    openssl rand -hex 24 > "$tls/keystore.pass"
    openssl pkcs12 -export -in "$tls/broker.pem" -inkey "$tls/broker.key" -certfile /etc/tweetics/kafka-ca.pem \
        -name broker -out "$tls/broker.p12" -passout "file:$tls/keystore.pass"
    rm -f "$tls/broker.csr" "$tls/san.ext" "$tls/broker.key"
fi
shred -u /etc/tweetics/kafka-ca.key 2>/dev/null || rm -f /etc/tweetics/kafka-ca.key
cp /etc/tweetics/kafka-ca.pem "$tls/ca.pem"
chgrp kafka "$tls/broker.p12" "$tls/ca.pem"
chmod 0640 "$tls/broker.p12" "$tls/ca.pem"
keystore_pass=$(cat "$tls/keystore.pass")
scram=org.apache.kafka.common.security.scram.ScramLoginModule

cat > /opt/kafka/config/tweetics.properties <<PROPS
process.roles=broker,controller
node.id=${NODE_ID}
controller.quorum.voters=${voters}
listeners=SASL_SSL://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093
advertised.listeners=SASL_SSL://${NODE_IP}:9092
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${scram} required username="broker" password="${BROKER_PASSWORD}";
ssl.keystore.type=PKCS12
ssl.keystore.location=${tls}/broker.p12
ssl.keystore.password=${keystore_pass}
ssl.key.password=${keystore_pass}
ssl.truststore.type=PEM
ssl.truststore.location=${tls}/ca.pem
ssl.client.auth=none
log.dirs=/var/lib/kafka/logs
default.replication.factor=${replication}
min.insync.replicas=${min_isr}
offsets.topic.replication.factor=${replication}
transaction.state.log.replication.factor=${replication}
transaction.state.log.min.isr=${min_isr}
auto.create.topics.enable=false
PROPS
chgrp kafka /opt/kafka/config/tweetics.properties
chmod 0640 /opt/kafka/config/tweetics.properties

# The admin tools' login (node 0 creates the topics as the broker user).
cat > "$tls/admin.properties" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=${scram} required username="broker" password="${BROKER_PASSWORD}";
ssl.truststore.type=PEM
ssl.truststore.location=${tls}/ca.pem
PROPS

# Static quorum (controller.quorum.voters): format without --standalone. The SCRAM users are stored
# with the metadata (--add-scram); the arguments go through a java @argfile so no password is in argv.
argfile="$tls/format.args"
cat > "$argfile" <<ARGS
-cp
/opt/kafka/libs/*
kafka.tools.StorageTool
format
--ignore-formatted
--cluster-id
${CLUSTER_ID}
--config
/opt/kafka/config/tweetics.properties
--add-scram
SCRAM-SHA-512=[name=broker,password=${BROKER_PASSWORD}]
--add-scram
SCRAM-SHA-512=[name=${KAFKA_CLIENT_USER},password=${CLIENT_PASSWORD}]
ARGS
chgrp kafka "$argfile"
chmod 0640 "$argfile"
sudo -u kafka java -Xmx256m "@${argfile}"
rm -f "$argfile"
umask 022

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
        if /opt/kafka/bin/kafka-topics.sh --bootstrap-server "${NODE_IP}:9092" --command-config "$tls/admin.properties" \
                --list >/dev/null 2>&1; then
            break
        fi
        echo "kafka-node: waiting for the quorum (attempt ${attempt})"
        sleep 10
    done
    for name in "$TOPIC" "${TOPIC}.dlq"; do
        /opt/kafka/bin/kafka-topics.sh --bootstrap-server "${NODE_IP}:9092" --command-config "$tls/admin.properties" \
            --create --if-not-exists \
            --topic "$name" --partitions 6 --replication-factor "$replication" \
            --config "min.insync.replicas=${min_isr}"
    done
fi

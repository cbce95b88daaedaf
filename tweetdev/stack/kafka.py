"""Apache Kafka in KRaft mode: 1 combined broker+controller, or a 3-node quorum, from Maven jars."""
from __future__ import annotations

import base64
import json
import logging
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import procs, secure
from .errors import StackError
from .toolchain import fetch, java_binary

logger = logging.getLogger(__name__)

LOG4J2 = """\
# Written by the tweetics local stack. Kafka 4 logs through Log4j 2 (KIP-653).
status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.filePattern = ${sys:kafka.logs.dir}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""


@dataclass(frozen=True)
class Node:
    node_id: int
    client_port: int
    controller_port: int
    home: Path

    @property
    def pid_file(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "server.log"

    @property
    def out_file(self) -> Path:
        return self.home / "logs" / "kafka.out"

    @property
    def name(self) -> str:
        return f"Kafka broker {self.node_id}"


def nodes(stack_dir: Path, brokers: int, port_offset: int) -> list[Node]:
    return [
        Node(i, 9092 + 2 * (i - 1) + port_offset, 9093 + 2 * (i - 1) + port_offset, stack_dir / "kafka" / f"node-{i}")
        for i in range(1, brokers + 1)
    ]


def bootstrap(ns: list[Node]) -> str:
    return ",".join(f"127.0.0.1:{n.client_port}" for n in ns)


def _cluster_id() -> str:
    # Kafka's Uuid string form: URL-safe base64 of 16 bytes, no padding, never starting with '-'.
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cid.startswith("-"):
            return cid


def _properties(node: Node, ns: list[Node], material: secure.Material | None = None) -> str:
    replication = min(3, len(ns))
    min_isr = 2 if len(ns) >= 3 else 1
    voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in ns)
    lines = {
        "process.roles": "broker,controller",
        "node.id": node.node_id,
        # A static quorum: simplest for a fixed local cluster, formatted without --standalone.
        "controller.quorum.voters": voters,
        "listeners": f"PLAINTEXT://127.0.0.1:{node.client_port},CONTROLLER://127.0.0.1:{node.controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{node.client_port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": node.home / "data",
        "num.partitions": 1,
        "default.replication.factor": replication,
        "min.insync.replicas": min_isr,
        "offsets.topic.replication.factor": replication,
        "transaction.state.log.replication.factor": replication,
        "transaction.state.log.min.isr": min_isr,
        "share.coordinator.state.topic.replication.factor": replication,
        "share.coordinator.state.topic.min.isr": min_isr,
        # Test- and demo-friendly: consumers join at once instead of after the default 3 s.
        "group.initial.rebalance.delay.ms": 0,
        "auto.create.topics.enable": "true",
        "log.retention.hours": 24,
        "log.segment.bytes": 64 * 1024 * 1024,
    }
    if material is not None:
        # The client port speaks SASL_SSL only; brokers talk to each other on it too (as the broker user).
        # The controller listener stays PLAINTEXT on loopback: only the stack's own nodes use it.
        lines.update({
            "listeners": f"SASL_SSL://127.0.0.1:{node.client_port},CONTROLLER://127.0.0.1:{node.controller_port}",
            "advertised.listeners": f"SASL_SSL://127.0.0.1:{node.client_port}",
            "inter.broker.listener.name": "SASL_SSL",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL",
            **material.broker_properties(),
        })
    return "".join(f"{k}={v}\n" for k, v in lines.items())


def prepare(stack_dir: Path, ns: list[Node], secured: bool = False) -> secure.Material | None:
    """Write configs and format storage; reformat only when the cluster shape changed.

    ``secured``: SASL_SSL listeners with SCRAM users made at format time; returns their material.
    """
    kdir = stack_dir / "kafka"
    kdir.mkdir(parents=True, exist_ok=True)
    shape: dict[str, object] = {"voters": [(n.node_id, n.controller_port) for n in ns]}
    if secured:  # only then, so the shape of an existing plain stack stays what it was
        shape["secure"] = True
    shape_file = kdir / "cluster.json"
    old = json.loads(shape_file.read_text()) if shape_file.exists() else None
    if old and old.get("shape") != json.loads(json.dumps(shape)):
        logger.info("Kafka cluster shape changed (%s -> %s brokers); wiping local Kafka data", len(old["shape"]["voters"]), len(ns))
        for child in kdir.glob("node-*"):
            shutil.rmtree(child)
        old = None
    if secured and old and not (kdir / "secrets.json").exists():
        logger.info("Kafka's SCRAM secrets are gone; wiping local Kafka data to make new users")
        for child in kdir.glob("node-*"):
            shutil.rmtree(child)
        old = None
    cid = old["cluster_id"] if old else _cluster_id()
    material = secure.prepare(kdir) if secured else None
    (kdir / "log4j2.properties").write_text(LOG4J2)
    java = java_binary()
    lib = fetch("kafka")
    for node in ns:
        (node.home / "logs").mkdir(parents=True, exist_ok=True)
        props = node.home / "server.properties"
        # 0600: a secured broker's file holds its SCRAM and keystore passwords.
        secure.write_private(props, _properties(node, ns, material))
        if (node.home / "data" / "meta.properties").exists():
            continue
        argv = ["-Xmx256m", "-cp", f"{lib}/*", f"-Dlog4j2.configurationFile={kdir / 'log4j2.properties'}",
                f"-Dkafka.logs.dir={node.home / 'logs'}",
                "kafka.tools.StorageTool", "format", "-t", cid, "-c", str(props)]
        if material is None:
            proc = subprocess.run([java, *argv], capture_output=True, text=True)
            out = (proc.stdout + proc.stderr).strip()
        else:
            # The SCRAM users exist from the first start on (KIP-900); the passwords go through an argfile.
            proc = secure.run_java_with_argfile(java, [*argv, *material.scram_args()], node.home / "format.args")
            out = (proc.stdout + proc.stderr).strip()
            for secret in (material.broker_password, material.client_password):
                out = out.replace(secret, "***")
        if proc.returncode != 0:
            raise StackError(f"formatting Kafka storage for broker {node.node_id} failed: {out[-300:]}")
    shape_file.write_text(json.dumps({"shape": shape, "cluster_id": cid}))
    return material


def start_node(stack_dir: Path, node: Node) -> int:
    java = java_binary()
    lib = fetch("kafka")
    argv = [
        java, "-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
        procs.marker(stack_dir),
        f"-Dkafka.logs.dir={node.home / 'logs'}",
        f"-Dlog4j2.configurationFile={stack_dir / 'kafka' / 'log4j2.properties'}",
        "-cp", f"{lib}/*", "kafka.Kafka", str(node.home / "server.properties"),
    ]
    return procs.start(node.name, argv, node.pid_file, node.out_file)


def ready(bootstrap_servers: str, expected_brokers: int, client_config: dict[str, str] | None = None) -> bool:
    """True when the cluster answers a metadata request listing every broker (``client_config``: security)."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap_servers, "socket.timeout.ms": 2000, "log_level": 0,
                         "logger": logging.getLogger("tweetdev.stack.kafka.client"), **(client_config or {})})
    md = admin.list_topics(timeout=3)
    return len(md.brokers) >= expected_brokers

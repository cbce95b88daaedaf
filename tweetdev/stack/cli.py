"""`python -m tweetdev.stack up|status|down|fetch`: the local stack's command line (driven by make up/status/down/jars)."""
from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from . import hdfs, kafka, procs, secure, spark
from .errors import StackError
from .toolchain import default_stack_dir, fetch, java_binary, spark_connector_jars, spark_home


@dataclass
class Shape:
    brokers: int = 1
    spark: str = "local"  # local | standalone
    port_offset: int = 0
    secure: bool = False  # Kafka's client listener: SASL_SSL with SCRAM-SHA-512 instead of PLAINTEXT


def _shape_file(stack_dir: Path) -> Path:
    return stack_dir / "stack.json"


def load_shape(stack_dir: Path) -> Shape | None:
    try:
        return Shape(**json.loads(_shape_file(stack_dir).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _services(stack_dir: Path, shape: Shape) -> list[tuple[str, Path, Path]]:
    """(name, pid file, log file) of every daemon of this shape, in start order."""
    out = [(n.name, n.pid_file, n.log_file) for n in kafka.nodes(stack_dir, shape.brokers, shape.port_offset)]
    out += [(f"HDFS {r}", hdfs.pid_file(stack_dir, r), hdfs.log_file(stack_dir, r)) for r in ("namenode", "datanode")]
    if shape.spark == "standalone":
        out += [(f"Spark {r}", spark.pid_file(stack_dir, r), spark.log_file(stack_dir, r)) for r in ("master", "worker")]
    return out


def up(stack_dir: Path, shape: Shape) -> None:
    stack_dir.mkdir(parents=True, exist_ok=True)
    old = load_shape(stack_dir)
    if old and old != shape and any(procs.running_pid(p, stack_dir) for _, p, _ in _services(stack_dir, old)):
        raise StackError(f"the stack is already running as {asdict(old)}; run `make down` before starting it as {asdict(shape)}")
    java_binary()
    started = time.monotonic()
    knodes = kafka.nodes(stack_dir, shape.brokers, shape.port_offset)
    hports = hdfs.Ports.with_offset(shape.port_offset)
    sports = spark.ports(shape.port_offset)

    # Check every port we still need before starting anything, so a conflict leaves nothing half-started.
    needed: dict[int, str] = {}
    for n in knodes:
        if not procs.running_pid(n.pid_file, stack_dir):
            needed[n.client_port] = f"{n.name} (client listener)"
            needed[n.controller_port] = f"{n.name} (controller listener)"
    if not procs.running_pid(hdfs.pid_file(stack_dir, "namenode"), stack_dir):
        needed.update({p: w for p, w in hports.owners().items() if "NameNode" in w})
    if not procs.running_pid(hdfs.pid_file(stack_dir, "datanode"), stack_dir):
        needed.update({p: w for p, w in hports.owners().items() if "DataNode" in w})
    if shape.spark == "standalone":
        if not procs.running_pid(spark.pid_file(stack_dir, "master"), stack_dir):
            needed[sports["master"]] = "Spark master"
            needed[sports["master_ui"]] = "Spark master web UI"
        if not procs.running_pid(spark.pid_file(stack_dir, "worker"), stack_dir):
            needed[sports["worker_ui"]] = "Spark worker web UI"
    procs.require_ports(needed)
    _shape_file(stack_dir).write_text(json.dumps(asdict(shape)))

    material = kafka.prepare(stack_dir, knodes, shape.secure)
    client_config = material.client_config() if material else None
    hdfs.prepare(stack_dir, hports)
    jars = spark_connector_jars()

    pids: dict[str, tuple[int, Path]] = {}
    for n in knodes:
        pid = procs.running_pid(n.pid_file, stack_dir) or kafka.start_node(stack_dir, n)
        pids[n.name] = (pid, n.log_file)
    for role in ("namenode", "datanode"):
        pid = procs.running_pid(hdfs.pid_file(stack_dir, role), stack_dir) or hdfs.start(stack_dir, role)
        pids[f"HDFS {role}"] = (pid, hdfs.log_file(stack_dir, role))
    if shape.spark == "standalone":
        for role in ("master", "worker"):
            pid = procs.running_pid(spark.pid_file(stack_dir, role), stack_dir) or spark.start(stack_dir, role, shape.port_offset)
            pids[f"Spark {role}"] = (pid, spark.log_file(stack_dir, role))

    boot = kafka.bootstrap(knodes)
    for n in knodes:
        pid, log = pids[n.name]
        procs.wait_until(n.name, pid, log, lambda: kafka.ready(boot, len(knodes), client_config), 120, "metadata lists every broker")
    pid, log = pids["HDFS namenode"]
    procs.wait_until("HDFS namenode", pid, log, lambda: hdfs.namenode_ready(hports), 120, "WebHDFS LISTSTATUS, out of safe mode")
    pid, log = pids["HDFS datanode"]
    procs.wait_until("HDFS datanode", pid, log, lambda: hdfs.datanode_ready(hports), 120, "a WebHDFS write and read through the DataNode")
    master = f"local[{os.cpu_count() or 2}]"
    if shape.spark == "standalone":
        pid, log = pids["Spark master"]
        procs.wait_until("Spark master", pid, log, lambda: spark.master_ready(shape.port_offset), 90, "master status ALIVE")
        pid, log = pids["Spark worker"]
        procs.wait_until("Spark worker", pid, log, lambda: spark.worker_ready(shape.port_offset), 90, "a worker registered")
        master = f"spark://127.0.0.1:{sports['master']}"

    webhdfs = f"http://127.0.0.1:{hports.http}"
    env = {
        # What the three programs read: <PROGRAM>_<FLAG>, as their --help shows.
        "TWEETPUB_BOOTSTRAP_SERVERS": boot,
        "TWEETICS_BOOTSTRAP_SERVERS": boot,
        "TWEETICS_MASTER": master,
        "TWEETICS_JARS": ",".join(str(j) for j in jars),
        "TWEETICS_SPARK_HOME": str(spark_home()),
        "TWEETICS_WEBHDFS_URL": webhdfs,
        "TWEETVIZ_WEBHDFS_URL": webhdfs,
        # The endpoints themselves, for scripts, tests and benchmarks.
        "KAFKA_BOOTSTRAP_SERVERS": boot,
        "HDFS_URL": f"hdfs://127.0.0.1:{hports.rpc}",
        "WEBHDFS_URL": webhdfs,
        "SPARK_MASTER": master,
        "SPARK_KAFKA_JARS": ",".join(str(j) for j in jars),
        "SPARK_HOME": str(spark_home()),
        "STACK_DIR": str(stack_dir),
    }
    if material:
        # The path of the client settings, never the password: the file is 0600.
        env["KAFKA_CONFIG_FILE"] = env["TWEETPUB_KAFKA_CONFIG_FILE"] = env["TWEETICS_KAFKA_CONFIG_FILE"] = \
            str(material.client_properties)
    (stack_dir / "env").write_text("# Written by `make up`; source it: . .stack/env\n"
                                   + "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items()))
    security = f", SASL_SSL/{secure.MECHANISM}, client settings {material.client_properties}" if material else ""
    print(f"stack up in {time.monotonic() - started:.1f}s: Kafka {boot} ({shape.brokers} broker(s), KRaft{security}), "
          f"HDFS {env['HDFS_URL']} / WebHDFS {env['WEBHDFS_URL']}, Spark {master}; endpoints in {stack_dir / 'env'}")


def is_running(stack_dir: Path) -> bool:
    """True when the stack was set up here and every one of its daemons runs."""
    shape = load_shape(stack_dir)
    return shape is not None and all(procs.running_pid(p, stack_dir) for _, p, _ in _services(stack_dir, shape))


def read_env(stack_dir: Path) -> dict[str, str]:
    """The endpoints `up` wrote to <stack_dir>/env."""
    env: dict[str, str] = {}
    for line in (stack_dir / "env").read_text().splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export "):].partition("=")
            env[key] = shlex.split(value)[0] if value else ""
    return env


def status(stack_dir: Path) -> int:
    shape = load_shape(stack_dir)
    if shape is None:
        print(f"stack: not set up in {stack_dir} (run `make up`)")
        return 1
    down_count = 0
    for name, pid_file, log in _services(stack_dir, shape):
        pid = procs.running_pid(pid_file, stack_dir)
        if pid:
            print(f"{name:<18} running  pid {pid:<7} log {log}")
        else:
            down_count += 1
            print(f"{name:<18} stopped           log {log}")
    env = stack_dir / "env"
    if env.exists() and down_count == 0:
        print(f"endpoints: {env}")
    return 0 if down_count == 0 else 3


def down(stack_dir: Path) -> None:
    shape = load_shape(stack_dir)
    if shape is None:
        print("stack: nothing to stop")
        return
    stopped = 0
    # Reverse start order: consumers of HDFS/Kafka first, Kafka last.
    for name, pid_file, _ in reversed(_services(stack_dir, shape)):
        stopped += procs.stop(name, pid_file, stack_dir)
    (stack_dir / "env").unlink(missing_ok=True)
    print(f"stack down: stopped {stopped} daemon(s); data kept in {stack_dir} (`make clean-stack` wipes it)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="stack", description="Start, inspect and stop the local Kafka + HDFS + Spark stack on 127.0.0.1.")
    parser.add_argument("--dir", default=str(default_stack_dir()),
                        help="where data, logs and the env file live (env STACK_DIR; default .stack)")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_up = sub.add_parser("up", help="start whatever is not running yet and wait until it answers")
    p_up.add_argument("--brokers", type=int, choices=(1, 3), default=os.environ.get("BROKERS") or "1",
                      help="Kafka KRaft nodes: 1, or 3 for a replicated cluster (env BROKERS)")
    p_up.add_argument("--spark", choices=("local", "standalone"), default=os.environ.get("SPARK") or "local",
                      help="local: spark-submit runs local[*]; standalone: also start a master and a worker (env SPARK)")
    p_up.add_argument("--port-offset", type=int, default=os.environ.get("PORT_OFFSET") or "0",
                      help="added to every default port, to run a second stack beside the first (env PORT_OFFSET)")
    p_up.add_argument("--secure", action="store_true", default=os.environ.get("SECURE", "") in ("1", "true", "yes"),
                      help="Kafka's client listener speaks SASL_SSL (SCRAM-SHA-512, a CA made here); the env file "
                           "names the client settings file as KAFKA_CONFIG_FILE (env SECURE=1)")
    sub.add_parser("status", help="list the daemons and whether they run")
    p_fetch = sub.add_parser("fetch", help="fetch the pinned jar sets from Maven Central into the cache (up does it too)")
    p_fetch.add_argument("sets", nargs="*", metavar="SET",
                         help="jar sets to fetch, named as in deploy/local/maven/ (default: kafka, hadoop, spark-kafka)")
    sub.add_parser("down", help="stop the daemons this launcher started (data is kept)")
    args = parser.parse_args(argv)
    # argparse converts env-var defaults with `type` but checks `choices` only on the command line.
    if args.cmd == "up":
        if args.brokers not in (1, 3):
            parser.error(f"BROKERS must be 1 or 3, not {args.brokers}")
        if args.spark not in ("local", "standalone"):
            parser.error(f"SPARK must be local or standalone, not {args.spark!r}")
        if not 0 <= args.port_offset <= 30000:
            parser.error("PORT_OFFSET must be between 0 and 30000")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("tweetdev.stack.kafka.client").setLevel(logging.CRITICAL)
    stack_dir = Path(args.dir).resolve()
    try:
        if args.cmd == "up":
            up(stack_dir, Shape(args.brokers, args.spark, args.port_offset, args.secure))
        elif args.cmd == "status":
            return status(stack_dir)
        elif args.cmd == "fetch":
            java_binary()
            for name in args.sets or ("kafka", "hadoop", "spark-kafka"):
                print(f"{name}: {fetch(name)}")
        else:
            down(stack_dir)
    except StackError as exc:
        print(f"stack: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stack: interrupted; run `make down` to stop what was started", file=sys.stderr)
        return 130
    return 0

"""Fault injection for the pipeline: private stacks the suite may break, a cuttable TCP proxy, the report table.

Everything is on loopback and bounded: each wait has a deadline, the proxy and the stacks stop at the end.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tweetdev.services import STACK, complete
from tweetdev.stack import hdfs, kafka, procs
from tweetdev.stack.cli import read_env
from tweetdev.stack.toolchain import REPO

REPORT = REPO / "build" / "faults.jsonl"


@dataclass
class FaultResult:
    fault: str
    recovery_s: float
    recovery_means: str
    records_lost: int
    records_duplicated: int
    kafka_duplicates_absorbed: int

    def save(self) -> None:
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        with REPORT.open("a") as f:
            f.write(json.dumps(asdict(self)) + "\n")


def table(rows: list[dict]) -> str:
    head = "| fault | recovery time | records lost | records duplicated | Kafka duplicates absorbed by dedup |"
    lines = [head, "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['fault']} | {r['recovery_s']:.1f} s ({r['recovery_means']}) | {r['records_lost']} | "
                     f"{r['records_duplicated']} | {r['kafka_duplicates_absorbed']} |")
    return "\n".join(lines)


@dataclass
class PrivateStack:
    """A stack of the launcher's in its own folder and ports, which the fault tests may restart and kill."""

    dir: Path
    env: dict[str, str]
    brokers: int
    port_offset: int

    @classmethod
    def up(cls, d: Path, brokers: int, port_offset: int) -> "PrivateStack":
        proc = subprocess.run([*STACK, "--dir", str(d), "up", "--brokers", str(brokers), "--port-offset", str(port_offset)],
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"fault stack did not start: {proc.stderr[-1500:]}")
        return cls(d, complete(read_env(d)), brokers, port_offset)

    def ensure_up(self) -> float:
        """Start whatever is stopped and wait until it answers; returns the seconds it took."""
        t0 = time.monotonic()
        proc = subprocess.run([*STACK, "--dir", str(self.dir), "up", "--brokers", str(self.brokers),
                               "--port-offset", str(self.port_offset)], capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"restart failed: {proc.stderr[-1500:]}")
        return time.monotonic() - t0

    def down(self) -> None:
        subprocess.run([*STACK, "--dir", str(self.dir), "down"], capture_output=True, timeout=300)

    def broker(self, node_id: int) -> kafka.Node:
        return kafka.nodes(self.dir, self.brokers, self.port_offset)[node_id - 1]

    def stop_broker(self, node_id: int) -> None:
        n = self.broker(node_id)
        procs.stop(n.name, n.pid_file, self.dir)

    def kill_broker(self, node_id: int) -> None:
        n = self.broker(node_id)
        pid = procs.running_pid(n.pid_file, self.dir)
        assert pid, f"broker {node_id} is not running"
        os.killpg(pid, 9)
        while procs.alive(pid):
            time.sleep(0.05)

    def stop_namenode(self) -> None:
        procs.stop("HDFS namenode", hdfs.pid_file(self.dir, "namenode"), self.dir)


class TcpProxy:
    """A loopback TCP forwarder that can be cut (connections refused and dropped) and restored."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.port = 0
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> "TcpProxy":
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(64)
        self.port = srv.getsockname()[1]
        self._server = srv
        threading.Thread(target=self._accept, args=(srv,), daemon=True).start()
        return self

    def cut(self) -> None:
        srv, self._server = self._server, None
        if srv:
            # close() alone leaves the port listening while another thread sits in accept(); shutdown wakes it.
            try:
                srv.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            srv.close()
        with self._lock:
            for c in self._conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self._conns.clear()

    restore = start

    def _accept(self, srv: socket.socket) -> None:
        while True:
            try:
                client, _ = srv.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

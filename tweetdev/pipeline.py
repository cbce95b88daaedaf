"""The pipeline's processes (tweetpub, tweetics, tweetviz) as process groups: start, kill, stop, measure.

Shared by `make demo`, the end-to-end tests, the fault suite and `make bench-e2e`.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tweetdev.stack import procs

BIN = Path(sys.executable).parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Pipeline:
    """Child processes by name, each in its own session so a stop or a kill reaches its whole tree."""

    log_dir: Path
    env: dict[str, str]
    children: dict[str, tuple[int, Path]] = field(default_factory=dict)
    _popen: dict[str, subprocess.Popen] = field(default_factory=dict, repr=False)

    def start(self, name: str, argv: list[str], extra_env: dict[str, str] | None = None) -> int:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}.log"
        env = {**self.env, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable,
               "PATH": f"{BIN}:{os.environ.get('PATH', '')}", **(extra_env or {})}
        proc = procs.spawn(argv, log, env=env)
        (self.log_dir / f"{name}.pid").write_text(f"{proc.pid}\n")
        self.children[name] = (proc.pid, log)
        self._popen[name] = proc  # kept, so that its exit status is ours to read (see procs.spawn)
        return proc.pid

    def pid(self, name: str) -> int:
        return self.children[name][0]

    def alive(self, name: str) -> bool:
        return name in self.children and procs.alive(self.pid(name))

    def dead(self) -> list[tuple[str, Path]]:
        return [(n, log) for n, (pid, log) in self.children.items() if not procs.alive(pid)]

    def kill(self, name: str) -> None:
        """kill -9 of the whole process group: the crash a fault test wants."""
        pid, _ = self.children.pop(name)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        while procs.alive(pid):
            time.sleep(0.05)
        self._exit_status(name, pid)  # reap it: a restart under the same name starts afresh

    def stop(self, name: str, grace: float = 20.0) -> int | None:
        """SIGTERM (the programs flush and exit cleanly), SIGKILL after `grace`; returns the exit status if known."""
        if name not in self.children:
            return None
        pid, _ = self.children.pop(name)
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            return None
        deadline = time.monotonic() + grace
        while procs.alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if procs.alive(pid):
            os.killpg(pid, signal.SIGKILL)
        return self._exit_status(name, pid)

    def wait(self, name: str, timeout: float) -> int | None:
        """Wait for a child to exit by itself; its exit status, or None on timeout."""
        pid = self.pid(name)
        deadline = time.monotonic() + timeout
        while procs.alive(pid):
            if time.monotonic() > deadline:
                return None
            time.sleep(0.1)
        self.children.pop(name)
        return self._exit_status(name, pid)

    def _exit_status(self, name: str, pid: int) -> int | None:
        proc = self._popen.pop(name, None)
        return proc.wait() if proc is not None else wait_status(pid)

    def stop_all(self) -> None:
        # Producer first (it flushes what it holds), then the job, then the dashboard.
        for name in sorted(self.children, key=lambda n: ("tweetpub", "tweetics", "tweetviz").index(n)
                           if n in ("tweetpub", "tweetics", "tweetviz") else 9):
            self.stop(name)

    def cpu_seconds(self, name: str) -> float:
        """User + system CPU of the child's whole process group so far (live members only)."""
        return group_cpu_seconds(self.pid(name))


def wait_status(pid: int) -> int | None:
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return os.waitstatus_to_exitcode(status)


def group_cpu_seconds(pgid: int) -> float:
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields[0] is state (field 3); pgrp is field 5, utime 14, stime 15, cutime 16, cstime 17.
        if int(fields[2]) == pgid:
            total += sum(int(x) for x in fields[11:15])
    return total / CLK_TCK

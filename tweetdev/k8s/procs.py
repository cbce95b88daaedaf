"""Start, find and stop the cluster's host processes; each has a pid file and a log under the cluster folder.

A pid file alone could name a reused pid, so a process counts as ours only when its command line still
carries the path of the config or folder we gave it (the ``tag``).
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from pathlib import Path

from tweetdev.stack.procs import cmdline, port_free

from .errors import ClusterError
from .layout import Layout

logger = logging.getLogger(__name__)


def pid_file(lay: Layout, name: str) -> Path:
    return lay.home / "pids" / f"{name}.pid"


def log_file(lay: Layout, name: str) -> Path:
    return lay.logs / f"{name}.log"


def running(lay: Layout, name: str) -> int | None:
    """The pid of daemon ``name`` if it is alive and still ours."""
    try:
        pid, tag = pid_file(lay, name).read_text().split("\n", 1)
        pid_n = int(pid)
    except (OSError, ValueError):
        return None
    return pid_n if tag.strip() and tag.strip() in cmdline(pid_n) else None


def require_ports(ports: dict[int, str]) -> None:
    """Fail with one line naming the first busy port and what needs it."""
    for port, what in ports.items():
        if not port_free(port, "0.0.0.0"):
            raise ClusterError(f"port {port} is in use (needed by {what}); stop whatever holds it "
                               f"(`ss -ltnp 'sport = :{port}'`) or run `make k8s-down` if it is an old cluster")


def start(lay: Layout, name: str, argv: list[str], tag: str, env: dict[str, str] | None = None) -> int:
    """Start one daemon in its own session (so a Ctrl-C of make does not reach it) unless it already runs."""
    pid = running(lay, name)
    if pid:
        return pid
    pf, lf = pid_file(lay, name), log_file(lay, name)
    pf.parent.mkdir(parents=True, exist_ok=True)
    lf.parent.mkdir(parents=True, exist_ok=True)
    with lf.open("ab") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, env=env if env is not None else dict(os.environ))
    pf.write_text(f"{proc.pid}\n{tag}\n")
    logger.info("started %s (pid %d, log %s)", name, proc.pid, lf)
    return proc.pid


def alive_or_fail(lay: Layout, name: str) -> None:
    if not running(lay, name):
        raise ClusterError(f"{name} exited at start; its last line: {last_line(log_file(lay, name))}")


def last_line(path: Path) -> str:
    try:
        lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return "(no log)"
    return lines[-1][-300:] if lines else "(empty log)"


def stop(lay: Layout, name: str, grace: float = 15.0) -> bool:
    """SIGTERM, then SIGKILL after ``grace`` seconds; only a process that is still ours. True if one was stopped."""
    pid = running(lay, name)
    pid_file(lay, name).unlink(missing_ok=True)
    if not pid:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or _zombie(pid):
            break
        time.sleep(0.2)
    else:
        logger.warning("%s (pid %d) did not stop in %.0f s; killing it", name, pid, grace)
        os.kill(pid, signal.SIGKILL)
    logger.info("stopped %s (pid %d)", name, pid)
    return True


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True

"""Starting, finding and stopping the daemons the launcher owns.

Each daemon gets a pid file and carries a marker system property naming the stack directory, so the
launcher can tell its own processes from a reused pid and never stops anything it did not start.
"""
from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from .errors import StackError

logger = logging.getLogger(__name__)


def marker(stack_dir: Path) -> str:
    """The JVM system property that tags a daemon as ours."""
    return f"-Dtweetics.stack={stack_dir}"


def cmdline(pid: int) -> str:
    """The command line of ``pid`` (arguments joined by spaces), or "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def running_pid(pid_file: Path, stack_dir: Path) -> int | None:
    """The pid in pid_file if that process is alive and is one of ours, else None."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    if marker(stack_dir) in cmdline(pid):
        return pid
    return None


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Nothing listens on ``host:port``; an address on no interface yet (a bridge still to come) is no clash."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            return e.errno == errno.EADDRNOTAVAIL
    return True


def require_ports(ports: dict[int, str]) -> None:
    """Fail with one line naming the first busy port and what needed it."""
    for port, what in ports.items():
        if not port_free(port):
            raise StackError(
                f"port {port} on 127.0.0.1 is in use (needed by {what}); stop whatever holds it "
                f"(e.g. `ss -ltnp 'sport = :{port}'`) or start with a different PORT_OFFSET"
            )


def spawn(argv: list[str], log_file: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start ``argv`` in its own session with output appended to log_file.

    Keep the returned Popen while the process may end on its own: a Popen dropped while its process runs
    joins subprocess's cleanup list, and the next Popen anywhere in this interpreter then reaps the exited
    child, so a later ``waitpid`` finds no exit status.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    with open(log_file, "ab") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, env=full_env)


def start(name: str, argv: list[str], pid_file: Path, log_file: Path, env: dict[str, str] | None = None) -> int:
    """Start a daemon (see :func:`spawn`) and write its pid file; returns its pid."""
    proc = spawn(argv, log_file, env)
    pid_file.write_text(f"{proc.pid}\n")
    logger.info("started %s (pid %d), log %s", name, proc.pid, log_file)
    return proc.pid


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child (we are its parent during `up`) is dead for our purposes.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except (OSError, IndexError):
        return False
    return state != "Z"


def stop(name: str, pid_file: Path, stack_dir: Path, grace: float = 20.0) -> bool:
    """SIGTERM our daemon's process group, SIGKILL after `grace` seconds. True if something was stopped."""
    pid = running_pid(pid_file, stack_dir)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.2)
    if alive(pid):
        logger.warning("%s did not stop in %.0fs; killing it", name, grace)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        while alive(pid):
            time.sleep(0.1)
    pid_file.unlink(missing_ok=True)
    logger.info("stopped %s (pid %d)", name, pid)
    return True


def wait_until(name: str, pid: int, log_file: Path, check, timeout: float, what: str) -> None:
    """Poll check() until it returns true; fail with a clear line if the daemon dies or time runs out."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if not alive(pid):
            raise StackError(f"{name} died during start-up; see its log: {log_file}")
        try:
            if check():
                return
        except Exception as exc:  # readiness probes fail in many ways until the daemon is up
            last_error = exc
        time.sleep(0.5)
    raise StackError(
        f"{name} did not become ready ({what}) within {timeout:.0f}s; see its log: {log_file}"
        + (f" (last probe error: {last_error})" if last_error else "")
    )

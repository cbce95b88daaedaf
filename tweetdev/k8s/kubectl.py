"""Running the cluster's kubectl and ctr against it, and waiting for a condition with a clear failure."""
from __future__ import annotations

import json
import subprocess
import time
from typing import Any, Callable

from . import build
from .errors import ClusterError
from .layout import Layout


def kubectl(lay: Layout, *args: str, stdin: str | None = None, check: bool = True,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(build.binary("kubectl")), f"--kubeconfig={lay.kubeconfig}", *args],
                          input=stdin, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise ClusterError(f"kubectl {' '.join(args[:3])} failed: {proc.stderr.strip()[-300:]}")
    return proc


def kubectl_json(lay: Layout, *args: str) -> Any:
    return json.loads(kubectl(lay, *args, "-o", "json").stdout)


def ctr(lay: Layout, *args: str, stdin: Any = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["ctr", "--address", str(lay.containerd_socket), "--namespace", "k8s.io", *args],
                          stdin=stdin, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise ClusterError(f"ctr {' '.join(args[:2])} failed: {proc.stderr.strip()[-300:]}")
    return proc


def wait_for(what: str, probe: Callable[[], bool], timeout: float, hint: Callable[[], str] = lambda: "") -> float:
    """Poll ``probe`` until it holds; returns the seconds waited, or fails naming ``what`` and a hint."""
    started = time.monotonic()
    while True:
        try:
            if probe():
                return time.monotonic() - started
        except (OSError, ValueError, subprocess.SubprocessError, ClusterError):
            pass
        if time.monotonic() - started > timeout:
            extra = hint()
            raise ClusterError(f"{what} did not happen within {timeout:.0f} s" + (f"; {extra}" if extra else ""))
        time.sleep(1)

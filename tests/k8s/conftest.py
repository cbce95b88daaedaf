"""The real single-node cluster (tweetdev/k8s) for the tests in this folder.

`k8s_cluster` brings the cluster up unless it runs (`make k8s-up` does the same), imports the suite's
images (`make images` builds them) and yields the kubeconfig path; a cluster started here is stopped at
the end of the session unless TWEETICS_KEEP_STACK=1. These tests never skip: a missing piece fails with
one line naming the make target that gives it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tweetdev.k8s import build, cluster
from tweetdev.k8s.layout import Layout

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tweetdev.k8s", *args], cwd=REPO, capture_output=True, text=True)


@pytest.fixture(scope="session")
def k8s_cluster() -> Iterator[Path]:
    """The kubeconfig of a running cluster that holds the suite's images."""
    lay = Layout.default(REPO / ".stack")
    was_up = all(cluster.status(lay).values())
    proc = _cli("up")
    if proc.returncode != 0:
        pytest.fail(f"the cluster did not come up: {proc.stderr.strip()[-500:]} (`make k8s-up`)", pytrace=False)
    proc = _cli("images")
    if proc.returncode != 0:
        pytest.fail(f"the suite's images are not in the cluster: {proc.stderr.strip()[-300:]} (`make k8s-images`)",
                    pytrace=False)
    yield lay.kubeconfig
    if not was_up and os.environ.get("TWEETICS_KEEP_STACK") != "1":
        _cli("down")


class Kube:
    """kubectl against the test cluster, in a namespace of its own that is deleted afterwards."""

    def __init__(self, kubeconfig: Path, namespace: str) -> None:
        self.kubeconfig = kubeconfig
        self.namespace = namespace

    def run(self, *args: str, stdin: str | None = None, check: bool = True,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(build.binary("kubectl")), f"--kubeconfig={self.kubeconfig}", "-n", self.namespace,
                               *args], input=stdin, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}: {proc.stderr.strip()}")
        return proc

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "-o", "json").stdout)

    def apply(self, manifest: str) -> None:
        self.run("apply", "-f", "-", stdin=manifest)

    def wait_ready(self, pod: str, timeout: int = 180) -> None:
        proc = self.run("wait", "--for=condition=Ready", f"pod/{pod}", f"--timeout={timeout}s", check=False,
                        timeout=timeout + 30)
        if proc.returncode != 0:
            events = self.run("get", "events", "--sort-by=.lastTimestamp", check=False).stdout[-1500:]
            raise AssertionError(f"pod {pod} not Ready: {proc.stderr.strip()}\n{events}")

    def exec(self, pod: str, *cmd: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return self.run("exec", pod, "--", *cmd, check=False, timeout=timeout)


@pytest.fixture
def kube(k8s_cluster: Path) -> Iterator[Kube]:
    ns = f"test-{uuid.uuid4().hex[:8]}"
    k = Kube(k8s_cluster, ns)
    subprocess.run([str(build.binary("kubectl")), f"--kubeconfig={k8s_cluster}", "create", "namespace", ns],
                   check=True, capture_output=True)
    yield k
    subprocess.run([str(build.binary("kubectl")), f"--kubeconfig={k8s_cluster}", "delete", "namespace", ns,
                    "--wait=false"], capture_output=True)


def eventually(probe: Callable[[], bool], timeout: float = 90, every: float = 2) -> bool:
    """True as soon as ``probe`` holds, False if it never did within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return True
        time.sleep(every)
    return probe()

"""``make k8s-up`` / ``make k8s-down``: bring the single-node cluster up in order, wait, and take it down."""
from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
import urllib.request
from typing import Callable

from . import addons, build, configs, daemons, dns, hostnet, images, layout, pki, procs
from .errors import ClusterError
from .kubectl import ctr, kubectl, kubectl_json, wait_for
from .layout import Layout

logger = logging.getLogger(__name__)

STOP_ORDER = ("kube-router", "volume-keeper", "kube-proxy", "kubelet", "kube-scheduler",
              "kube-controller-manager", "containerd", "kube-apiserver", "etcd")


def _needed_ports(lay: Layout) -> dict[int, str]:
    owner = {"etcd": "etcd", "etcd-peer": "etcd", "kube-apiserver": "kube-apiserver",
             "kube-controller-manager": "kube-controller-manager", "kube-scheduler": "kube-scheduler",
             "kubelet": "kubelet", "kubelet-healthz": "kubelet", "kube-proxy-healthz": "kube-proxy",
             "kube-proxy-metrics": "kube-proxy", "kube-router-health": "kube-router"}
    return {port: f"{owner[key]}" for key, port in layout.PORTS.items()
            if key in owner and not procs.running(lay, owner[key])}


def _write_configs(lay: Layout) -> None:
    (lay.home / "containerd.toml").write_text(configs.containerd_toml(lay))
    lay.cni_conf.mkdir(parents=True, exist_ok=True)
    (lay.cni_conf / "10-tweetics-k8s.conflist").write_text(configs.cni_conflist(lay))
    (lay.home / "kubelet.yaml").write_text(configs.kubelet_yaml(lay))
    (lay.home / "kube-proxy.yaml").write_text(
        configs.kube_proxy_yaml(lay, str(pki.kubeconfig_dir(lay) / "kube-proxy.conf")))


def _start(lay: Layout, d: daemons.Daemon) -> None:
    procs.start(lay, d.name, d.argv, d.tag)
    time.sleep(0.5)
    procs.alive_or_fail(lay, d.name)


def _hint(lay: Layout, name: str) -> Callable[[], str]:
    return lambda: f"{name}'s last log line: {procs.last_line(procs.log_file(lay, name))}"


def _etcd_healthy() -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{layout.PORTS['etcd']}/health", timeout=5) as r:
        return json.load(r).get("health") == "true"


def _node_ready(lay: Layout) -> bool:
    node = kubectl_json(lay, "get", "node", layout.NODE_NAME)
    return any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"])


def _dns_answers() -> bool:
    return dns.query_a(layout.DNS_SERVICE_IP, f"kubernetes.default.svc.{layout.CLUSTER_DOMAIN}") == \
        [layout.API_SERVICE_IP]


def up(lay: Layout, firewall: bool = True) -> dict[str, float]:
    """Start whatever is not running; returns timings (seconds) of the phases."""
    t0 = time.monotonic()
    timings: dict[str, float] = {}
    hostnet.preflight()
    procs.require_ports(_needed_ports(lay))
    built = build.ensure()
    timings.update({f"build {k}": v for k, v in built.items()})
    pki.ensure(lay)
    hostnet.setup(lay)
    _write_configs(lay)
    t_start = time.monotonic()

    _start(lay, daemons.etcd(lay))
    wait_for("etcd answering", lambda: _etcd_healthy(), 60, _hint(lay, "etcd"))
    _start(lay, daemons.apiserver(lay))
    wait_for("the API server ready", lambda: kubectl(lay, "get", "--raw", "/readyz", check=False,
                                                     timeout=10).stdout.strip() == "ok",
             300, _hint(lay, "kube-apiserver"))
    timings["api ready"] = time.monotonic() - t_start
    _start(lay, daemons.controller_manager(lay))
    _start(lay, daemons.scheduler(lay))
    _start(lay, daemons.containerd(lay))
    wait_for("containerd answering", lambda: ctr(lay, "version", check=False).returncode == 0, 60,
             _hint(lay, "containerd"))
    images.import_own(lay)
    _start(lay, daemons.kubelet(lay))
    _start(lay, daemons.kube_proxy(lay))
    wait_for(f"node {layout.NODE_NAME} Ready", lambda: _node_ready(lay), 300, _hint(lay, "kubelet"))
    timings["node ready"] = time.monotonic() - t_start
    kubectl(lay, "apply", "-f", "-", stdin=addons.KUBELET_API + "---\n" + addons.COREDNS + "---\n" + addons.STORAGE)
    keeper = [sys.executable, "-m", "tweetdev.k8s", "keep-volumes", "--home", str(lay.home),
              "--state", str(lay.state)]
    procs.start(lay, "volume-keeper", keeper, f"keep-volumes --home {lay.home}")
    if firewall:
        _start(lay, daemons.kube_router(lay))
    wait_for("CoreDNS answering kubernetes.default through kube-dns", _dns_answers, 300,
             lambda: _coredns_state(lay))
    timings["dns answers"] = time.monotonic() - t_start
    timings["total"] = time.monotonic() - t0
    (lay.home / "up.json").write_text(json.dumps({"firewall": firewall, "timings": timings}, indent=1))
    return timings


def _coredns_state(lay: Layout) -> str:
    pods = kubectl(lay, "-n", "kube-system", "get", "pods", "-l", "k8s-app=kube-dns", "--no-headers",
                   check=False).stdout.strip()
    return f"CoreDNS pods: {pods or 'none'}"


def _stop_containers(lay: Layout) -> None:
    """Kill and delete every task of the k8s.io namespace so no container outlives its containerd."""
    if not procs.running(lay, "containerd"):
        return
    tasks = ctr(lay, "tasks", "ls", "-q", check=False).stdout.split()
    for t in tasks:
        ctr(lay, "tasks", "kill", "-a", "-s", "SIGKILL", t, check=False)
    deadline = time.monotonic() + 20
    for t in tasks:
        while ctr(lay, "tasks", "delete", t, check=False).returncode != 0 and time.monotonic() < deadline:
            time.sleep(0.3)
    for c in ctr(lay, "containers", "ls", "-q", check=False).stdout.split():
        ctr(lay, "containers", "delete", c, check=False)


def down(lay: Layout) -> list[str]:
    """Stop exactly what up started (pid files), then clean the pods' leftovers; returns what was stopped."""
    hostnet.require_root()
    stopped = []
    for name in STOP_ORDER:
        if name == "containerd":
            _stop_containers(lay)
        if procs.stop(lay, name):
            stopped.append(name)
        if name == "kube-proxy" and build.binary("kube-proxy").exists():
            subprocess.run([str(build.binary("kube-proxy")), "--cleanup"], capture_output=True)
        if name == "kube-router" and build.binary("kube-router").exists() and _has_chain("KUBE-ROUTER"):
            subprocess.run([str(build.binary("kube-router")), "--cleanup-config"], capture_output=True)
    hostnet.cleanup(lay)
    (lay.home / "up.json").unlink(missing_ok=True)
    return stopped


def _has_chain(prefix: str) -> bool:
    return f":{prefix}" in subprocess.run(["iptables-save", "-t", "filter"], capture_output=True, text=True).stdout


def status(lay: Layout) -> dict[str, int | None]:
    return {name: procs.running(lay, name) for name in reversed(STOP_ORDER)}

"""Pinned versions, ports, address ranges and where the cluster keeps its files."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

KUBERNETES_VERSION = "v1.34.4"
ETCD_VERSION = "v3.6.16"
COREDNS_VERSION = "v1.14.7"
KUBE_ROUTER_VERSION = "v2.1.0"  # the only v2 release the module proxy serves; used for its firewall alone

NODE_NAME = "tweetics-k8s"
SERVICE_CIDR = "10.96.0.0/16"
CLUSTER_CIDR = "10.244.0.0/16"
POD_CIDR = "10.244.0.0/24"  # one node: the /24 the controller manager gives it, handed out by host-local
# The node's address: the pod bridge's gateway, made by the launcher before anything starts. Pods reach the
# API server there (a loopback address would be each pod's own), and nothing of it leaves the machine.
NODE_IP = "10.244.0.1"
API_SERVICE_IP = "10.96.0.1"
DNS_SERVICE_IP = "10.96.0.10"
CLUSTER_DOMAIN = "cluster.local"
BRIDGE = "tk8s0"

# Host ports on 127.0.0.1 (kubelet and kube-proxy keep their usual ones; none clashes with the suite's stack).
PORTS = {
    "kube-apiserver": 6443,
    "etcd": 2479,
    "etcd-peer": 2480,
    "kube-controller-manager": 10257,
    "kube-scheduler": 10259,
    "kubelet": 10250,
    "kubelet-healthz": 10248,
    "kube-proxy-healthz": 10256,
    "kube-proxy-metrics": 10249,
    "kube-router-health": 20244,
    "kube-router-metrics": 20245,
}


def cache_root() -> Path:
    """Built binaries and images, keyed by version, outside the repository."""
    base = os.environ.get("TWEETICS_CACHE") or str(Path.home() / ".cache" / "tweetics")
    return Path(base) / "k8s"


@dataclass(frozen=True)
class Layout:
    """Where one cluster keeps its files: configuration and logs under the stack folder, bulky state in /var/lib."""

    home: Path  # .stack/k8s: pki, kubeconfigs, configs, logs, pid files
    state: Path  # containerd root, kubelet root, etcd data, volumes

    @classmethod
    def default(cls, stack_dir: Path | None = None) -> "Layout":
        stack = stack_dir or Path(os.environ.get("STACK_DIR") or ".stack")
        state = Path(os.environ.get("TWEETICS_K8S_STATE") or "/var/lib/tweetics-k8s")
        return cls(home=stack.resolve() / "k8s", state=state)

    @property
    def kubeconfig(self) -> Path:
        return self.home / "kubeconfig"

    @property
    def pki(self) -> Path:
        return self.home / "pki"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def run(self) -> Path:
        """Sockets and pid files (a short path: unix socket paths are limited to 108 bytes)."""
        return self.state / "run"

    @property
    def containerd_socket(self) -> Path:
        return self.run / "containerd.sock"

    @property
    def cni_conf(self) -> Path:
        return self.home / "cni"

    @property
    def volumes(self) -> Path:
        return self.state / "volumes"

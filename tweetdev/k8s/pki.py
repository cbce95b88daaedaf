"""Certificates and kubeconfigs, made offline by kubeadm's own phases (``init phase certs`` / ``kubeconfig``).

etcd listens on loopback without TLS (only the API server talks to it), so kubeadm is told etcd is external
and makes no etcd certificates.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from . import build, layout
from .errors import ClusterError
from .layout import Layout

# Users kubeadm's phases do not make, each with the group that gives it its rights.
EXTRA_USERS = {
    "kube-proxy": ("system:kube-proxy", ""),  # the default RBAC binds this user to system:node-proxier
    "kube-router": ("tweetics:kube-router", "system:masters"),  # reads pods, namespaces, policies; local only
}


def kubeadm_config(lay: Layout) -> str:
    ip = layout.NODE_IP
    return f"""apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: {ip}
  bindPort: {layout.PORTS['kube-apiserver']}
nodeRegistration:
  name: {layout.NODE_NAME}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: tweetics
kubernetesVersion: {layout.KUBERNETES_VERSION}
certificatesDir: {lay.pki}
controlPlaneEndpoint: {ip}:{layout.PORTS['kube-apiserver']}
networking:
  serviceSubnet: {layout.SERVICE_CIDR}
  podSubnet: {layout.CLUSTER_CIDR}
  dnsDomain: {layout.CLUSTER_DOMAIN}
apiServer:
  certSANs: [127.0.0.1, localhost, {ip}]
etcd:
  external:
    endpoints: [http://127.0.0.1:{layout.PORTS['etcd']}]
"""


def _kubeadm(args: list[str], what: str) -> str:
    proc = subprocess.run([str(build.binary("kubeadm")), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ClusterError(f"kubeadm could not make the {what}: {tail}")
    return proc.stdout


def kubeconfig_dir(lay: Layout) -> Path:
    return lay.home / "kubeconfigs"


def ensure(lay: Layout) -> None:
    """Make the CA, serving and client certificates and one kubeconfig per component (kept across restarts)."""
    lay.home.mkdir(parents=True, exist_ok=True)
    cfg = lay.home / "kubeadm.yaml"
    cfg.write_text(kubeadm_config(lay))
    kdir = kubeconfig_dir(lay)
    if not (lay.pki / "ca.crt").exists() or not (lay.pki / "sa.key").exists():
        _kubeadm(["init", "phase", "certs", "all", "--config", str(cfg)], "certificates")
    if not (kdir / "super-admin.conf").exists():
        kdir.mkdir(parents=True, exist_ok=True)
        _kubeadm(["init", "phase", "kubeconfig", "all", "--config", str(cfg), "--kubeconfig-dir", str(kdir)],
                 "kubeconfigs")
    for name, (user, group) in EXTRA_USERS.items():
        out = kdir / f"{name}.conf"
        if not out.exists():
            org = ["--org", group] if group else []
            text = _kubeadm(["kubeconfig", "user", "--config", str(cfg), "--client-name", user, *org],
                            f"{name} kubeconfig")
            out.write_text(text)
            out.chmod(0o600)
    # The user's kubeconfig: kubeadm's super-admin (system:masters), since no `kubeadm init` binds admin.conf.
    admin = (kdir / "super-admin.conf").read_text()
    lay.kubeconfig.write_text(admin)
    lay.kubeconfig.chmod(0o600)

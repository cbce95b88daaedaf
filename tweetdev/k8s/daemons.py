"""The command line of each host process of the cluster, in start order (pure: paths in, argv out)."""
from __future__ import annotations

from dataclasses import dataclass

from . import build, layout
from .layout import Layout
from .pki import kubeconfig_dir


@dataclass(frozen=True)
class Daemon:
    name: str
    argv: list[str]
    tag: str  # a piece of the command line that marks the process as this cluster's


def _b(name: str) -> str:
    return str(build.binary(name))


def etcd(lay: Layout) -> Daemon:
    data = lay.state / "etcd"
    p = layout.PORTS
    return Daemon("etcd", [
        _b("etcd"), "--name", layout.NODE_NAME, "--data-dir", str(data),
        "--listen-client-urls", f"http://127.0.0.1:{p['etcd']}",
        "--advertise-client-urls", f"http://127.0.0.1:{p['etcd']}",
        "--listen-peer-urls", f"http://127.0.0.1:{p['etcd-peer']}",
        "--initial-advertise-peer-urls", f"http://127.0.0.1:{p['etcd-peer']}",
        "--initial-cluster", f"{layout.NODE_NAME}=http://127.0.0.1:{p['etcd-peer']}",
        "--listen-metrics-urls", "", "--quota-backend-bytes", str(2 << 30), "--log-level", "warn",
    ], str(data))


def apiserver(lay: Layout) -> Daemon:
    k = lay.pki
    return Daemon("kube-apiserver", [
        _b("kube-apiserver"), f"--advertise-address={layout.NODE_IP}", f"--bind-address={layout.NODE_IP}",
        f"--secure-port={layout.PORTS['kube-apiserver']}",
        f"--etcd-servers=http://127.0.0.1:{layout.PORTS['etcd']}",
        f"--service-cluster-ip-range={layout.SERVICE_CIDR}", "--service-node-port-range=30000-32767",
        f"--client-ca-file={k}/ca.crt", f"--tls-cert-file={k}/apiserver.crt",
        f"--tls-private-key-file={k}/apiserver.key",
        f"--kubelet-client-certificate={k}/apiserver-kubelet-client.crt",
        f"--kubelet-client-key={k}/apiserver-kubelet-client.key",
        "--kubelet-preferred-address-types=InternalIP",
        f"--proxy-client-cert-file={k}/front-proxy-client.crt", f"--proxy-client-key-file={k}/front-proxy-client.key",
        f"--requestheader-client-ca-file={k}/front-proxy-ca.crt", "--requestheader-allowed-names=front-proxy-client",
        "--requestheader-extra-headers-prefix=X-Remote-Extra-", "--requestheader-group-headers=X-Remote-Group",
        "--requestheader-username-headers=X-Remote-User",
        f"--service-account-key-file={k}/sa.pub", f"--service-account-signing-key-file={k}/sa.key",
        f"--service-account-issuer=https://kubernetes.default.svc.{layout.CLUSTER_DOMAIN}",
        "--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
        "--allow-privileged=true", "--profiling=false", "--endpoint-reconciler-type=lease",
    ], f"--tls-cert-file={k}/apiserver.crt")


def controller_manager(lay: Layout) -> Daemon:
    k, conf = lay.pki, kubeconfig_dir(lay) / "controller-manager.conf"
    return Daemon("kube-controller-manager", [
        _b("kube-controller-manager"), f"--kubeconfig={conf}", f"--authentication-kubeconfig={conf}",
        f"--authorization-kubeconfig={conf}", "--bind-address=127.0.0.1",
        f"--secure-port={layout.PORTS['kube-controller-manager']}", "--leader-elect=false",
        f"--cluster-signing-cert-file={k}/ca.crt", f"--cluster-signing-key-file={k}/ca.key",
        f"--root-ca-file={k}/ca.crt", f"--service-account-private-key-file={k}/sa.key",
        "--use-service-account-credentials=true", "--controllers=*,bootstrapsigner,tokencleaner",
        "--allocate-node-cidrs=true", f"--cluster-cidr={layout.CLUSTER_CIDR}", "--node-cidr-mask-size=24",
        f"--service-cluster-ip-range={layout.SERVICE_CIDR}", "--profiling=false",
    ], f"--kubeconfig={conf}")


def scheduler(lay: Layout) -> Daemon:
    conf = kubeconfig_dir(lay) / "scheduler.conf"
    return Daemon("kube-scheduler", [
        _b("kube-scheduler"), f"--kubeconfig={conf}", f"--authentication-kubeconfig={conf}",
        f"--authorization-kubeconfig={conf}", "--bind-address=127.0.0.1",
        f"--secure-port={layout.PORTS['kube-scheduler']}", "--leader-elect=false", "--profiling=false",
    ], f"--kubeconfig={conf}")


def containerd(lay: Layout) -> Daemon:
    conf = lay.home / "containerd.toml"
    return Daemon("containerd", ["containerd", "--config", str(conf)], str(conf))


def kubelet(lay: Layout) -> Daemon:
    conf = lay.home / "kubelet.yaml"
    return Daemon("kubelet", [
        _b("kubelet"), f"--config={conf}", f"--kubeconfig={kubeconfig_dir(lay) / 'kubelet.conf'}",
        f"--hostname-override={layout.NODE_NAME}", f"--node-ip={layout.NODE_IP}",
        f"--root-dir={lay.state / 'kubelet'}", f"--cert-dir={lay.state / 'kubelet' / 'pki'}", "--v=1",
    ], f"--config={conf}")


def kube_proxy(lay: Layout) -> Daemon:
    conf = lay.home / "kube-proxy.yaml"
    return Daemon("kube-proxy", [_b("kube-proxy"), f"--config={conf}"], f"--config={conf}")


def kube_router(lay: Layout) -> Daemon:
    """kube-router's network policy firewall alone: the bridge CNI wires pods, kube-proxy does Services."""
    conf = kubeconfig_dir(lay) / "kube-router.conf"
    return Daemon("kube-router", [
        _b("kube-router"), f"--kubeconfig={conf}", "--run-firewall=true", "--run-router=false",
        "--run-service-proxy=false", "--enable-cni=false", "--enable-ibgp=false", "--enable-overlay=false",
        f"--hostname-override={layout.NODE_NAME}", f"--health-port={layout.PORTS['kube-router-health']}",
        f"--service-cluster-ip-range={layout.SERVICE_CIDR}", "--metrics-port=0", "--iptables-sync-period=30s",
        "--v=1",
    ], f"--kubeconfig={conf}")

"""The host side of the cluster: checks a user can fail, the pod bridge, sysctls, and cleaning up pod leftovers.

Nothing here touches what the cluster did not make: only mounts under its own folders, network namespaces
holding an address of its pod range, and iptables chains named by its own CNI network.
"""
from __future__ import annotations

import ipaddress
import logging
import os
import shutil
import subprocess
from pathlib import Path

from . import layout
from .errors import ClusterError
from .layout import Layout

logger = logging.getLogger(__name__)

CGROUP_V1_NEEDED = ("cpu", "cpuacct", "cpuset", "memory", "pids")
DEBIAN_TOOLS = {"containerd": "containerd", "runc": "runc", "ctr": "containerd", "iptables": "iptables",
                "ipset": "ipset", "conntrack": "conntrack", "ip": "iproute2"}


def _sh(*cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(list(cmd), capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise ClusterError(f"`{' '.join(cmd)}` failed: {(proc.stderr or proc.stdout).strip()[:300]}")
    return proc


def require_root() -> None:
    if os.geteuid() != 0:
        raise ClusterError("the cluster needs root (containerd, the kubelet and the pod network change the host); "
                           "run it as root (sudo make ...)")


def preflight() -> None:
    """One clear line for each thing a user can hit before anything starts."""
    require_root()
    missing = sorted({pkg for tool, pkg in DEBIAN_TOOLS.items() if not shutil.which(tool)})
    if missing:
        raise ClusterError(f"missing Debian packages: {' '.join(missing)} (`make k8s-binaries` installs them)")
    if not Path("/usr/lib/cni/bridge").exists():
        raise ClusterError("no CNI plugins in /usr/lib/cni (`apt-get install containernetworking-plugins`)")
    cg = Path("/sys/fs/cgroup")
    if not (cg / "cgroup.controllers").exists():
        absent = [s for s in CGROUP_V1_NEEDED if not (cg / s).is_dir()]
        if absent:
            raise ClusterError(f"cgroup trouble: the cgroup v1 controllers {', '.join(absent)} are not mounted "
                               f"under {cg}; the kubelet needs them")
    if not Path("/proc/sys/net/bridge/bridge-nf-call-iptables").exists():
        raise ClusterError("the kernel has no br_netfilter (no /proc/sys/net/bridge); kube-proxy cannot see "
                           "bridged pod traffic (`modprobe br_netfilter`)")
    if _sh("iptables", "-t", "nat", "-S", "POSTROUTING", check=False).returncode != 0:
        raise ClusterError("iptables does not work here (no netfilter nat table?); kube-proxy needs it")


def setup(lay: Layout) -> None:
    """The pod bridge with the node's address, the service range routed onto it, forwarding on."""
    for key in ("net/ipv4/ip_forward", "net/bridge/bridge-nf-call-iptables"):
        Path("/proc/sys", key).write_text("1\n")
    br = layout.BRIDGE
    if _sh("ip", "link", "show", br, check=False).returncode != 0:
        _sh("ip", "link", "add", br, "type", "bridge")
    prefix = ipaddress.ip_network(layout.POD_CIDR).prefixlen
    if f"inet {layout.NODE_IP}/" not in _sh("ip", "-4", "addr", "show", br).stdout:
        _sh("ip", "addr", "add", f"{layout.NODE_IP}/{prefix}", "dev", br)
    _sh("ip", "link", "set", br, "up")
    # The service range never leaves by the default route (there is nothing there but other people's hosts).
    _sh("ip", "route", "replace", layout.SERVICE_CIDR, "dev", br, "src", layout.NODE_IP)
    for d in (lay.run, lay.state, lay.cni_conf, lay.volumes):
        d.mkdir(parents=True, exist_ok=True)


def _mounts_under(roots: list[Path]) -> list[str]:
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        target = line.split()[4].replace("\\040", " ")
        if any(target == str(r) or target.startswith(f"{r}/") for r in roots):
            out.append(target)
    return sorted(set(out), key=len, reverse=True)


def _our_netns() -> list[str]:
    pods = ipaddress.ip_network(layout.POD_CIDR)
    ours = []
    for ns in sorted(Path("/var/run/netns").glob("cni-*")) if Path("/var/run/netns").exists() else []:
        addrs = _sh("ip", "-n", ns.name, "-4", "-o", "addr", check=False).stdout.split()
        for word in addrs:
            try:
                if ipaddress.ip_interface(word).ip in pods:
                    ours.append(ns.name)
                    break
            except ValueError:
                continue
    return ours


def _iptables_cleanup() -> int:
    """Drop the rules and chains the CNI plugins made for the tweetics-k8s network; returns how many chains."""
    removed = 0
    for table in ("nat", "filter"):
        rules = _sh("iptables", "-t", table, "-S", check=False).stdout.splitlines()
        chains = {r.split()[1] for r in rules if r.startswith("-N CNI-")}
        # The bridge plugin's per-pod masquerade chains carry our network's name in their comment.
        ours = {c for c in chains if any(c in r and "tweetics-k8s" in r for r in rules)}
        ours |= {c for c in chains if c in ("CNI-FORWARD", "CNI-ADMIN") or c.startswith("CNI-HOSTPORT")
                 or c.startswith("CNI-DN-")}
        for r in rules:
            parts = r.split()
            if r.startswith("-A ") and parts[1] not in ours and any(f"-j {c}" in r for c in ours):
                _sh("iptables", "-t", table, "-D", *parts[1:], check=False)
        for c in ours:
            _sh("iptables", "-t", table, "-F", c, check=False)
        for c in ours:
            if _sh("iptables", "-t", table, "-X", c, check=False).returncode == 0:
                removed += 1
    return removed


def _kubepods_cgroups() -> None:
    for root in Path("/sys/fs/cgroup").glob("*/kubepods"):
        for d in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
            try:
                d.rmdir()
            except OSError:
                pass
        try:
            root.rmdir()
        except OSError:
            pass


def cleanup(lay: Layout) -> None:
    """After every daemon stopped: unmount, drop pod netns and address leases, CNI chains, the bridge."""
    for target in _mounts_under([lay.state, lay.run]):
        _sh("umount", "-l", target, check=False)
    for ns in _our_netns():
        _sh("ip", "netns", "delete", ns, check=False)
    shutil.rmtree(lay.state / "cni-ipam", ignore_errors=True)
    chains = _iptables_cleanup()
    _kubepods_cgroups()
    _sh("ip", "route", "del", layout.SERVICE_CIDR, check=False)
    _sh("ip", "link", "del", layout.BRIDGE, check=False)
    logger.info("cleaned up: pod mounts, netns, %d CNI iptables chains, bridge %s", chains, layout.BRIDGE)

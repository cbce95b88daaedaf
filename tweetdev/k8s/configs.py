"""The configuration files of containerd, the CNI network, the kubelet and kube-proxy (pure text builders)."""
from __future__ import annotations

import json

from . import layout
from .layout import Layout

PAUSE_IMAGE = "docker.io/tweetics/pause:1.0"
COREDNS_IMAGE = f"docker.io/tweetics/coredns:{layout.COREDNS_VERSION.lstrip('v')}"
CNI_BIN = "/usr/lib/cni"  # Debian's containernetworking-plugins


def containerd_toml(lay: Layout) -> str:
    """A containerd of our own (root, state and socket apart from Docker's) with CRI, runc and cgroupfs."""
    cri = 'plugins."io.containerd.grpc.v1.cri"'
    return f"""version = 2
root = "{lay.state}/containerd"
state = "{lay.run}/containerd-state"
oom_score = 0

[grpc]
  address = "{lay.containerd_socket}"

[ttrpc]
  address = "{lay.containerd_socket}.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "{lay.state}/opt"

[{cri}]
  sandbox_image = "{PAUSE_IMAGE}"
  enable_selinux = false
  max_container_log_line_size = 16384
  # Kubelet asks for -998 (sandboxes) and -997 (Guaranteed pods); root in this VM lacks CAP_SYS_RESOURCE,
  # so runc's write of a negative /proc/self/oom_score_adj fails with EPERM and every sandbox dies with
  # "can't get final child's PID from pipe: EOF". Clamp to containerd's own score (0) instead.
  restrict_oom_score_adj = true

[{cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[{cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[{cri}.containerd.runtimes.runc.options]
  # cgroupfs, like the kubelet: no systemd is PID 1 here, and Docker's own containerd is left alone.
  SystemdCgroup = false
  BinaryName = "/usr/sbin/runc"

[{cri}.cni]
  bin_dir = "{CNI_BIN}"
  conf_dir = "{lay.cni_conf}"
  max_conf_num = 1
"""


def cni_conflist(lay: Layout) -> str:
    """Bridge + host-local for addresses, portmap for hostPorts, firewall so Docker's FORWARD DROP lets pods talk."""
    return json.dumps({
        "cniVersion": "1.0.0",
        "name": "tweetics-k8s",
        "plugins": [
            {"type": "bridge", "bridge": layout.BRIDGE, "isGateway": True, "ipMasq": True, "hairpinMode": True,
             "ipam": {"type": "host-local", "dataDir": f"{lay.state}/cni-ipam",
                      "ranges": [[{"subnet": layout.POD_CIDR, "gateway": layout.NODE_IP}]],
                      "routes": [{"dst": "0.0.0.0/0"}]}},
            {"type": "portmap", "capabilities": {"portMappings": True}},
            {"type": "firewall", "backend": "iptables"},
        ],
    }, indent=2)


def kubelet_yaml(lay: Layout) -> str:
    p = lay.pki
    return f"""apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: {layout.NODE_IP}
port: {layout.PORTS['kubelet']}
healthzBindAddress: 127.0.0.1
healthzPort: {layout.PORTS['kubelet-healthz']}
containerRuntimeEndpoint: unix://{lay.containerd_socket}
cgroupDriver: cgroupfs
# These machines run cgroup v1, which kubelet 1.34 still accepts when told to; there is no swap to fear.
failCgroupV1: false
failSwapOn: false
authentication:
  anonymous: {{enabled: false}}
  webhook: {{enabled: true}}
  x509: {{clientCAFile: {p}/ca.crt}}
authorization:
  mode: Webhook
clusterDNS: [{layout.DNS_SERVICE_IP}]
clusterDomain: {layout.CLUSTER_DOMAIN}
resolvConf: /etc/resolv.conf
# A shared dev machine: evict only when really short, and never garbage-collect the imported images
# (nothing could pull them back).
evictionHard:
  memory.available: 200Mi
  nodefs.available: 2%
  imagefs.available: 2%
  nodefs.inodesFree: 2%
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
maxPods: 110
rotateCertificates: false
serverTLSBootstrap: false
staticPodPath: ""
podLogsDir: {lay.state}/pod-logs
"""


def kube_proxy_yaml(lay: Layout, kubeconfig: str) -> str:
    return f"""apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: {kubeconfig}
clusterCIDR: {layout.CLUSTER_CIDR}
hostnameOverride: {layout.NODE_NAME}
bindAddress: {layout.NODE_IP}
healthzBindAddress: 127.0.0.1:{layout.PORTS['kube-proxy-healthz']}
metricsBindAddress: 127.0.0.1:{layout.PORTS['kube-proxy-metrics']}
conntrack:
  # Leave the host's conntrack sysctls as they are.
  maxPerCore: 0
  min: 0
"""

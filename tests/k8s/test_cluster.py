"""The single-node cluster of `make k8s-up` does what the k8s/ overlays need: a Ready node, pods from the
locally imported images, Service names through CoreDNS, and NetworkPolicies that really block."""
from __future__ import annotations

import json

import pytest

from tweetdev.k8s import images, layout

from .conftest import Kube, eventually

pytestmark = [pytest.mark.integration, pytest.mark.k8s]

IMAGE = next(i for i in images.suite_images() if "/tweetpub:" in i)  # it has Python, so pods can serve and ask
FETCH = ("import sys, urllib.request; "
         "print(urllib.request.urlopen('http://web:8000/hello.txt', timeout=3).read().decode().strip())")


def _pod(name: str, labels: dict[str, str], command: list[str]) -> str:
    return json.dumps({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "terminationGracePeriodSeconds": 1,
            "containers": [{"name": "main", "image": IMAGE, "imagePullPolicy": "Never", "command": command,
                            "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}}}],
        },
    })


def _web(kube: Kube) -> None:
    """A pod serving hello.txt over HTTP on 8000 behind the Service `web`."""
    serve = ["sh", "-c", "mkdir -p /tmp/www && echo hello-from-web > /tmp/www/hello.txt && "
                         "exec python -m http.server 8000 --directory /tmp/www"]
    kube.apply(_pod("web", {"app": "web"}, serve))
    kube.apply(json.dumps({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 8000, "targetPort": 8000}]},
    }))
    kube.wait_ready("web")


def _client(kube: Kube, name: str, role: str) -> None:
    kube.apply(_pod(name, {"role": role}, ["sleep", "3600"]))
    kube.wait_ready(name)


def _fetches(kube: Kube, pod: str) -> bool:
    proc = kube.exec(pod, "python", "-c", FETCH)
    return proc.returncode == 0 and proc.stdout.strip() == "hello-from-web"


def test_the_node_is_ready_and_runs_the_built_kubelet(k8s_cluster) -> None:
    kube = Kube(k8s_cluster, "default")
    node = kube.json("get", "node", layout.NODE_NAME)
    ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}
    assert ready["Ready"] == "True"
    assert node["status"]["nodeInfo"]["kubeletVersion"] == layout.KUBERNETES_VERSION
    assert node["spec"]["podCIDR"] == layout.POD_CIDR


def test_a_pod_runs_from_a_locally_imported_image(kube: Kube) -> None:
    kube.apply(_pod("hello", {"app": "hello"}, ["sh", "-c", "echo started-as-$(id -u); exec sleep 3600"]))
    kube.wait_ready("hello")
    pod = kube.json("get", "pod", "hello")
    assert pod["spec"]["nodeName"] == layout.NODE_NAME
    assert pod["status"]["containerStatuses"][0]["image"].endswith(IMAGE.split("/", 1)[1])
    assert pod["status"]["podIP"].startswith(layout.POD_CIDR.rsplit(".", 2)[0])
    # The image's own non-root user (10001) runs it.
    assert kube.run("logs", "hello").stdout.strip() == "started-as-10001"


def test_a_service_name_resolves_through_coredns_from_a_pod(kube: Kube) -> None:
    _web(kube)
    _client(kube, "client", "any")
    cluster_ip = kube.json("get", "service", "web")["spec"]["clusterIP"]
    fqdn = f"web.{kube.namespace}.svc.{layout.CLUSTER_DOMAIN}"
    resolve = "import socket, sys; print(socket.gethostbyname(sys.argv[1]))"
    for name in ("web", fqdn):
        proc = kube.exec("client", "python", "-c", resolve, name)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == cluster_ip
    resolv = kube.exec("client", "cat", "/etc/resolv.conf").stdout
    assert f"nameserver {layout.DNS_SERVICE_IP}" in resolv
    # ... and the name leads to the pod behind it (kube-proxy's rules).
    assert eventually(lambda: _fetches(kube, "client"), timeout=60)
    # A name that does not exist does not resolve.
    proc = kube.exec("client", "python", "-c", resolve, f"nothing-here.{kube.namespace}.svc.{layout.CLUSTER_DOMAIN}")
    assert proc.returncode != 0 and "gaierror" in proc.stderr


def test_a_network_policy_blocks_what_it_should_and_admits_the_rest(kube: Kube) -> None:
    _web(kube)
    _client(kube, "friend", "allowed")
    _client(kube, "stranger", "denied")
    # Before any policy both reach the server: the block below is the policy's doing, not a broken path.
    assert eventually(lambda: _fetches(kube, "friend"))
    assert eventually(lambda: _fetches(kube, "stranger"))
    kube.apply(json.dumps({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "web-from-friends"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "web"}},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "allowed"}}}],
                         "ports": [{"protocol": "TCP", "port": 8000}]}],
        },
    }))
    assert eventually(lambda: not _fetches(kube, "stranger")), "the policy never blocked the stranger"
    assert _fetches(kube, "friend"), "the policy blocked the pod it admits"
    assert not any(_fetches(kube, "stranger") for _ in range(3))
    # Deleting the policy opens the way again.
    kube.run("delete", "networkpolicy", "web-from-friends")
    assert eventually(lambda: _fetches(kube, "stranger"))

"""Kubernetes: every overlay builds with kustomize, validates against the Kubernetes OpenAPI
schemas (kubeconform, strict, offline), and its objects refer to each other correctly."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from .conftest import KUSTOMIZATIONS, ROOT, Tools, kubeconform
from .k8s_model import (containers, container_ports, env_refs, matches, name, pod_labels,
                        pod_spec, selected_workloads, walk, workloads)

# Containers that listen on no port have nothing to probe; they exit non-zero on failure and
# the kubelet restarts them. Keep this list short and explained.
NO_PROBE = {"tweetpub"}  # a producer: no server socket
# The pipeline deploys the hybrid apps half after the Kafka half and relies on what that one
# created (namespace, settings and endpoints ConfigMaps).
DEPLOYED_BEFORE = {"overlays/hybrid/apps": ["overlays/hybrid/kafka"]}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_build_validates_against_kubernetes_schemas(tools: Tools, builds, kustomization: str) -> None:
    text = yaml.safe_dump_all(builds[kustomization])
    for version in tools.k8s_versions:
        proc = kubeconform(tools, text, version)
        report = json.loads(proc.stdout)
        assert proc.returncode == 0, f"k8s/{kustomization} on Kubernetes {version}: " + "\n".join(
            r["msg"] for r in report["resources"])
        summary = report["summary"]
        assert summary == {"valid": len(builds[kustomization]), "invalid": 0, "errors": 0,
                           "skipped": 0}, summary


def test_validator_rejects_a_broken_manifest(tools: Tools) -> None:
    """Control: the offline schemas really are applied (an unknown field and a wrong type)."""
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
           "spec": {"selector": {"matchLabels": {"a": "b"}},
                    "template": {"metadata": {"labels": {"a": "b"}},
                                 "spec": {"containers": [{"name": "c", "image": "i:1", "prots": []}]}},
                    "replicas": "three"}}
    proc = kubeconform(tools, yaml.safe_dump(bad), tools.k8s_versions[0])
    report = json.loads(proc.stdout)
    assert proc.returncode != 0 and report["summary"]["invalid"] == 1


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_selectors_match_pod_labels(builds, kustomization: str) -> None:
    objs = builds[kustomization]
    for w in workloads(objs):
        if w["kind"] != "Job":
            sel = w["spec"]["selector"]
            assert sel.get("matchLabels"), f"{name(w)}: empty selector"
            assert all(matches(sel, p) for p in pod_labels(w)), f"{name(w)}: selector != template labels"
        for term in _affinity_terms(w):
            # Anti-affinity must select the workload's own pods, on labels they really carry.
            assert all(matches(term["labelSelector"], p) for p in pod_labels(w)), \
                f"{name(w)}: affinity selector {term['labelSelector']} misses its own pods"
    for svc in (o for o in objs if o["kind"] == "Service"):
        assert selected_workloads(objs, svc["spec"]["selector"], plain=True), f"{name(svc)} selects no pod"
    for pdb in (o for o in objs if o["kind"] == "PodDisruptionBudget"):
        assert selected_workloads(objs, pdb["spec"]["selector"]), f"{name(pdb)} selects no pod"
    for np in (o for o in objs if o["kind"] == "NetworkPolicy"):
        sel = np["spec"]["podSelector"]
        if sel:
            assert selected_workloads(objs, sel), f"{name(np)} applies to no pod"


def _pod_peers(rule: dict[str, Any]) -> list[dict[str, Any]]:
    """The pod selectors of a NetworkPolicy rule's peers in its own namespace."""
    return [p["podSelector"] for p in rule.get("from", []) + rule.get("to", [])
            if "podSelector" in p and "namespaceSelector" not in p]


def test_network_policy_peers_exist_when_everything_runs_in_kubernetes(builds) -> None:
    objs = builds["overlays/all-in-k8s"]
    for np in (o for o in objs if o["kind"] == "NetworkPolicy"):
        for rule in np["spec"].get("ingress", []) + np["spec"].get("egress", []):
            for sel in _pod_peers(rule):
                assert selected_workloads(objs, sel), f"{name(np)}: peer {sel} matches no pod"


def test_egress_rules_open_ports_their_peers_listen_on(builds) -> None:
    """An egress rule to pods must reach something: each port it opens is one its peers listen on. (A kustomize
    label transformer with includeSelectors once rewrote tweetviz's "to HDFS on 9870" into "to tweetviz on
    9870": the peer existed, but nothing there listened, and the dashboard never read a count.)"""
    objs = builds["overlays/all-in-k8s"]
    for np in (o for o in objs if o["kind"] == "NetworkPolicy"):
        for rule in np["spec"].get("egress", []):
            peers = _pod_peers(rule)
            if not peers or not rule.get("ports"):
                continue
            listening: set[str] = set()
            for sel in peers:
                listening |= {port for w in selected_workloads(objs, sel) for port in container_ports(w)}
            for p in rule["ports"]:
                assert str(p["port"]) in listening, \
                    f"{name(np)}: egress to {peers} on {p['port']}, where none of those pods listens"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_ports_resolve(builds, kustomization: str) -> None:
    objs = builds[kustomization]
    services = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Service"}
    for svc in services.values():
        for w in selected_workloads(objs, svc["spec"]["selector"], plain=True):
            ports = container_ports(w)
            for p in svc["spec"]["ports"]:
                target = str(p.get("targetPort", p["port"]))
                assert target in ports, f"{name(svc)} targets {target}, {name(w)} has {sorted(ports)}"
    for ing in (o for o in objs if o["kind"] == "Ingress"):
        for path in (p for r in ing["spec"]["rules"] for p in r["http"]["paths"]):
            backend = path["backend"]["service"]
            svc = services.get(backend["name"])
            assert svc, f"{name(ing)}: no Service {backend['name']}"
            port = backend["port"]
            assert any(p.get("name") == port.get("name") or p["port"] == port.get("number")
                       for p in svc["spec"]["ports"]), f"{name(ing)}: {backend} not on {name(svc)}"
    for w in workloads(objs):
        ports = container_ports(w)
        for c in containers(w, init=False):
            for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                for kind in ("tcpSocket", "httpGet"):
                    if kind in c.get(probe, {}):
                        assert str(c[probe][kind]["port"]) in ports, f"{name(w)} {probe} port"
    for np in (o for o in objs if o["kind"] == "NetworkPolicy"):
        targets = selected_workloads(objs, np["spec"]["podSelector"])
        for rule in np["spec"].get("ingress", []):
            for p in rule.get("ports", []):
                for w in targets:
                    assert str(p["port"]) in container_ports(w), \
                        f"{name(np)} opens {p['port']} on {name(w)}, which does not listen there"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_references_resolve(builds, kustomization: str) -> None:
    objs = builds[kustomization]
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for o in objs + [o for k in DEPLOYED_BEFORE.get(kustomization, []) for o in builds[k]]:
        by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    for w in workloads(objs):
        for kind, ref, key, _ in env_refs(w):
            target = by_kind.get(kind, {}).get(ref)
            assert target is not None, f"{name(w)} reads {kind} {ref}, which the build lacks"
            if key is None:
                continue
            if kind == "ConfigMap":
                assert key in target.get("data", {}), f"{name(w)}: ConfigMap {ref} has no {key}"
            else:
                # Secrets ship without data; their keys are declared in an annotation.
                declared = target["metadata"]["annotations"]["tweetics.io/expected-keys"].split(",")
                assert key in declared, f"{name(w)}: Secret {ref} does not declare {key}"
        spec = pod_spec(w)
        sa = spec.get("serviceAccountName")
        assert sa in by_kind.get("ServiceAccount", {}), f"{name(w)}: ServiceAccount {sa}"
        if w["kind"] == "StatefulSet":
            governing = by_kind["Service"].get(w["spec"]["serviceName"])
            assert governing and governing["spec"].get("clusterIP") == "None", \
                f"{name(w)}: serviceName must be a headless Service"
        for c in containers(w):
            # $(VAR) in command/args expands only when VAR is defined in the container's env.
            defined = {e["name"] for e in c.get("env", [])}
            for arg in c.get("command", []) + c.get("args", []):
                for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", arg):
                    assert var in defined, f"{name(w)}/{c['name']}: $({var}) is not defined"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_pods_are_hardened_sized_and_probed(builds, kustomization: str) -> None:
    for w in workloads(builds[kustomization]):
        spec = pod_spec(w)
        psc = spec.get("securityContext", {})
        assert psc.get("runAsNonRoot") is True and psc.get("runAsUser", 0) > 0, f"{name(w)}: root"
        assert psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", name(w)
        assert spec.get("automountServiceAccountToken") is False, f"{name(w)}: API token mounted"
        for c in containers(w):
            where = f"{name(w)}/{c['name']}"
            image = c["image"]
            assert re.fullmatch(r"[\w./-]+:[\w.-]+", image) and not image.endswith(":latest"), \
                f"{where}: image {image} not pinned"
            res = c.get("resources", {})
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(res.get(kind, {})), f"{where}: {kind}"
            sc = c.get("securityContext", {})
            assert sc.get("allowPrivilegeEscalation") is False, where
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], where
        if w["kind"] == "Job":
            continue
        for c in containers(w, init=False):
            if c["name"] in NO_PROBE:
                assert not c.get("ports"), f"{c['name']} listens now: give it probes"
                continue
            assert "readinessProbe" in c and "livenessProbe" in c, f"{name(w)}/{c['name']}: probes"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_recommended_labels(builds, kustomization: str) -> None:
    for o in builds[kustomization]:
        labels = o["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/part-of") == "tweetics", name(o)
        if o["kind"] in {"Deployment", "StatefulSet", "Job", "Service", "PodDisruptionBudget"}:
            assert "app.kubernetes.io/name" in labels, name(o)
        if o["kind"] in {"Deployment", "StatefulSet"}:
            tpl = o["spec"]["template"]["metadata"]["labels"]
            for key in ("app.kubernetes.io/name", "app.kubernetes.io/component",
                        "app.kubernetes.io/part-of"):
                assert key in tpl, f"{name(o)}: pods lack {key}"


def _affinity_terms(w: dict[str, Any]) -> list[dict[str, Any]]:
    anti = pod_spec(w).get("affinity", {}).get("podAntiAffinity", {})
    terms = list(anti.get("requiredDuringSchedulingIgnoredDuringExecution", []))
    terms += [t["podAffinityTerm"] for t in anti.get("preferredDuringSchedulingIgnoredDuringExecution", [])]
    return terms


def _one(objs: list[dict[str, Any]], kind: str, obj_name: str) -> dict[str, Any]:
    found = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == obj_name]
    assert len(found) == 1, f"{kind}/{obj_name}: {len(found)} found"
    return found[0]


def test_kafka_is_a_three_node_kraft_quorum_with_external_routes(builds, settings) -> None:
    objs = builds["overlays/hybrid"]
    sts = _one(objs, "StatefulSet", "kafka")
    replicas = sts["spec"]["replicas"]
    assert replicas == 3
    assert _affinity_terms(sts) and sts["spec"]["volumeClaimTemplates"]
    config = _one(objs, "ConfigMap", "kafka-config")["data"]
    voters = config["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    headless = sts["spec"]["serviceName"]
    assert voters == [f"{i}@kafka-{i}.{headless}:{settings['KAFKA_CONTROLLER_PORT']}" for i in range(replicas)]
    assert config["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert config["KAFKA_DEFAULT_REPLICATION_FACTOR"] == settings["KAFKA_REPLICATION_FACTOR"] == "3"
    assert config["KAFKA_MIN_INSYNC_REPLICAS"] == settings["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
    assert _one(objs, "PodDisruptionBudget", "kafka")["spec"]["maxUnavailable"] == 1
    # One NodePort Service per broker, selecting exactly that pod, on the port it advertises.
    base = int(settings["KAFKA_EXTERNAL_NODEPORT_BASE"])
    for i in range(replicas):
        svc = _one(objs, "Service", f"kafka-external-{i}")
        assert svc["spec"]["type"] == "NodePort"
        pods = [p for p in pod_labels(sts) if matches(svc["spec"]["selector"], p, plain=True)]
        assert len(pods) == 1 and pods[0]["statefulset.kubernetes.io/pod-name"] == f"kafka-{i}"
        assert svc["spec"]["ports"][0]["nodePort"] == base + i
    script = containers(sts)[0]["command"][-1]
    assert "EXTERNAL://${HOST_IP}:$((EXTERNAL_NODEPORT_BASE + ordinal))" in script
    assert f"EXTERNAL://:{settings['KAFKA_EXTERNAL_PORT']}" in config["KAFKA_LISTENERS"]
    job = _one(objs, "Job", "kafka-topics")
    assert "--if-not-exists" in containers(job)[0]["command"][-1]


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_no_zookeeper_and_no_committed_secrets(builds, kustomization: str) -> None:
    objs = builds[kustomization]
    assert "zookeeper" not in yaml.safe_dump_all(objs).lower()
    for secret in (o for o in objs if o["kind"] == "Secret"):
        assert not secret.get("data") and not secret.get("stringData"), f"{name(secret)} carries data"


def test_replay_overlay_needs_no_token_and_mounts_the_recording(builds) -> None:
    for kustomization in ("overlays/hybrid/apps", "overlays/all-in-k8s"):
        dep = _one(builds[kustomization], "Deployment", "tweetpub")
        c = pod_spec(dep)["containers"][0]
        assert c["args"][:3] == ["replay", "/recordings/demo.jsonl.gz", "--loop"]
        assert "X_BEARER_TOKEN" not in {e["name"] for e in c.get("env", [])}
        mount = next(m for m in c["volumeMounts"] if m["mountPath"] == "/recordings")
        assert mount["readOnly"] is True
    live = _one(builds["base"], "Deployment", "tweetpub")
    env = {e["name"]: e for e in pod_spec(live)["containers"][0]["env"]}
    assert env["X_BEARER_TOKEN"]["valueFrom"]["secretKeyRef"]["name"] == "tweetpub-credentials"
    assert pod_spec(live)["containers"][0]["args"][0] == "stream"


def test_hybrid_halves_make_up_the_whole(builds) -> None:
    key = lambda o: (o["kind"], o["metadata"]["name"])  # noqa: E731
    whole = sorted(map(key, builds["overlays/hybrid"]))
    halves = sorted(map(key, builds["overlays/hybrid/kafka"] + builds["overlays/hybrid/apps"]))
    assert whole == halves
    assert not any(o["kind"] in {"Deployment", "StatefulSet"} and o["metadata"]["name"].startswith(("hdfs", "spark"))
                   for o in builds["overlays/hybrid"])
    kinds = {key(o) for o in builds["overlays/all-in-k8s"]}
    assert {("StatefulSet", "hdfs-namenode"), ("StatefulSet", "hdfs-datanode"),
            ("Deployment", "spark-master"), ("Deployment", "spark-worker"), ("Deployment", "tweetics")} <= kinds


def test_committed_settings_copy_is_current() -> None:
    assert (ROOT / "k8s/base/core/settings.env").read_bytes() == (ROOT / "deploy/settings.env").read_bytes(), \
        "run `make deploy-settings`"

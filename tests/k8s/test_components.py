"""The k8s components, built offline with kustomize: the registry is one setting every image follows, the
single-node test component fits a 2-core node without touching what it must not, and spark-on-k8s swaps the
standalone cluster for Spark's Kubernetes scheduler."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import Tools, tools  # noqa: F401  (the fixture: `make deploy-tools`, cached)
from tests.deploy.k8s_model import containers, pod_spec, workloads

ROOT = Path(__file__).resolve().parents[2]
DEPLOYABLE = ["base", "overlays/hybrid", "overlays/hybrid/kafka", "overlays/hybrid/apps", "overlays/all-in-k8s"]


def _build(tools: Tools, where: Path, resources: list[Path], components: list[Path] = ()) -> list[dict[str, Any]]:
    """kustomize build of a throw-away kustomization over ``resources`` with ``components``."""
    where.mkdir(parents=True, exist_ok=True)
    rel = lambda p: os.path.relpath(p, where)  # noqa: E731
    (where / "kustomization.yaml").write_text(yaml.safe_dump({
        "resources": [rel(p) for p in resources], "components": [rel(p) for p in components]}))
    proc = subprocess.run([str(tools.kustomize), "build", str(where)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def _cpu(value: str) -> float:
    return float(value[:-1]) / 1000 if value.endswith("m") else float(value)


def test_the_registry_is_one_setting_every_image_follows(tools: Tools, tmp_path: Path) -> None:
    k8s = tmp_path / "k8s"
    shutil.copytree(ROOT / "k8s", k8s)
    registry = k8s / "components/registry/kustomization.yaml"
    registry.write_text(registry.read_text().replace("newName: ghcr.io/tweetics/", "newName: registry.test:5000/team/"))
    builds = {name: _build(tools, tmp_path / "b" / name, [k8s / name]) for name in DEPLOYABLE}
    builds["spark-on-k8s"] = _build(tools, tmp_path / "b/spark", [k8s / "overlays/all-in-k8s"],
                                    [k8s / "components/spark-on-k8s"])
    for name, objs in builds.items():
        images = [c["image"] for w in workloads(objs) for c in containers(w)]
        assert images and all(i.startswith("registry.test:5000/team/") for i in images), (name, images)
    driver = next(w for w in workloads(builds["spark-on-k8s"]) if w["metadata"]["name"] == "tweetics")
    env = {e["name"]: e.get("value") for e in pod_spec(driver)["containers"][0]["env"]}
    assert env["EXECUTOR_IMAGE"] == "registry.test:5000/team/tweetics:0.1.0"  # the executors follow it too


@pytest.mark.parametrize("overlay", ["overlays/all-in-k8s", "overlays/hybrid"])
def test_single_node_component_fits_a_two_core_node(tools: Tools, tmp_path: Path, overlay: str) -> None:
    objs = _build(tools, tmp_path, [ROOT / "k8s" / overlay], [ROOT / "k8s/components/single-node"])
    production = _build(tools, tmp_path / "prod", [ROOT / "k8s" / overlay])
    cpu = 0.0
    for w in workloads(objs):
        replicas = w["spec"].get("replicas", 1)
        for c in containers(w):
            assert c.get("imagePullPolicy") == "Never", (w["metadata"]["name"], c["name"])
        cpu += replicas * sum(_cpu(c["resources"]["requests"]["cpu"]) for c in containers(w, init=False))
        for claim in w["spec"].get("volumeClaimTemplates", []):
            assert claim["spec"]["storageClassName"] == "tweetics-local"
            assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert cpu <= 1.5, f"requests of {cpu:.2f} CPU do not fit a 2-core node beside the control plane"
    kafka = next(w for w in workloads(objs) if w["metadata"]["name"] == "kafka")
    anti = pod_spec(kafka)["affinity"]["podAntiAffinity"]
    assert "requiredDuringSchedulingIgnoredDuringExecution" not in anti and anti["preferredDuringSchedulingIgnoredDuringExecution"]
    # What the component must leave alone: replication, policies, probes, security contexts.
    kinds = lambda xs, k: [o for o in xs if o["kind"] == k]  # noqa: E731
    assert kinds(objs, "NetworkPolicy") == kinds(production, "NetworkPolicy")
    assert kafka["spec"]["replicas"] == 3
    prod = {w["metadata"]["name"]: w for w in workloads(production)}
    for w in workloads(objs):
        p = prod[w["metadata"]["name"]]
        assert pod_spec(w).get("securityContext") == pod_spec(p).get("securityContext")
        theirs = {c["name"]: c for c in containers(p)}
        assert sorted(theirs) == sorted(c["name"] for c in containers(w))
        for c in containers(w):
            d = theirs[c["name"]]
            for key in ("readinessProbe", "livenessProbe", "securityContext", "command", "args"):
                assert c.get(key) == d.get(key), (w["metadata"]["name"], c["name"], key)


def test_spark_on_k8s_replaces_the_standalone_cluster(tools: Tools, tmp_path: Path) -> None:
    objs = _build(tools, tmp_path, [ROOT / "k8s/overlays/all-in-k8s"], [ROOT / "k8s/components/spark-on-k8s"])
    names = {(o["kind"], o["metadata"]["name"]) for o in objs}
    assert not {("Deployment", "spark-master"), ("Deployment", "spark-worker"), ("Service", "spark-master")} & names
    assert {("ServiceAccount", "spark-driver"), ("Role", "spark-driver"), ("RoleBinding", "spark-driver"),
            ("ConfigMap", "spark-executor-pod-template")} <= names
    driver = next(w for w in workloads(objs) if w["metadata"]["name"] == "tweetics")
    args = pod_spec(driver)["containers"][0]["args"]
    assert args[:3] == ["submit", "--master", "k8s://https://kubernetes.default.svc:443"]
    assert pod_spec(driver)["serviceAccountName"] == "spark-driver"
    template = yaml.safe_load(next(o for o in objs if o["metadata"]["name"] == "spark-executor-pod-template")
                              ["data"]["executor-pod-template.yaml"])
    labels = template["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == "spark" and labels["tweetics.io/kafka-client"] == "true"
    sc = template["spec"]["securityContext"]
    assert sc["runAsNonRoot"] is True and sc["seccompProfile"]["type"] == "RuntimeDefault"
    assert template["spec"]["containers"][0]["securityContext"]["capabilities"]["drop"] == ["ALL"]
    script = template["spec"]["containers"][0]["command"][-1]
    assert "KubernetesExecutorBackend" in script and "$SPARK_DRIVER_URL" in script

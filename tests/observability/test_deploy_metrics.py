"""The scrape side: k8s/components/metrics builds on top of an overlay and validates, and its ports, the pods'
annotations, the NetworkPolicy and the scrape configs agree with the ports the programs are told to serve."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import yaml

from tests.deploy.conftest import ROOT, Tools, kubeconform, tools  # noqa: F401  (the pinned kustomize/kubeconform)

EXPECTED = {"tweetpub": 9101, "tweetics": 9102, "tweetviz": 8050}


def _build(tools: Tools, tmp_path: Path) -> list[dict]:
    # An overlay of our own: the all-in-k8s overlay plus the metrics component, as a user would add it.
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": [os.path.relpath(ROOT / "k8s" / "overlays" / "all-in-k8s", tmp_path)],
        "components": [os.path.relpath(ROOT / "k8s" / "components" / "metrics", tmp_path)]}))
    proc = subprocess.run([str(tools.kustomize), "build", "--load-restrictor", "LoadRestrictionsNone", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for version in tools.k8s_versions:
        checked = kubeconform(tools, proc.stdout, version)
        assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-2000:]
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def test_metrics_component_builds_validates_and_its_ports_agree(tools, tmp_path):
    objects = _build(tools, tmp_path)
    deployments = {d["metadata"]["name"]: d for d in objects if d["kind"] == "Deployment"}
    for name, port in EXPECTED.items():
        pod = deployments[name]["spec"]["template"]
        notes = pod["metadata"]["annotations"]
        assert notes["prometheus.io/scrape"] == "true" and notes["prometheus.io/path"] == "/metrics"
        assert int(notes["prometheus.io/port"]) == port
        container = next(c for c in pod["spec"]["containers"] if c["name"] == name)
        assert port in {p["containerPort"] for p in container["ports"]}, container["ports"]
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        if name != "tweetviz":  # tweetviz serves /metrics on its HTTP port
            assert env[f"{name.upper()}_METRICS_PORT"] == str(port)
    policy = next(d for d in objects if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "metrics-scrape")
    assert {p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]} == set(EXPECTED.values())
    selected = set(policy["spec"]["podSelector"]["matchExpressions"][0]["values"])
    for name in EXPECTED:
        assert deployments[name]["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] in selected
    scrape = next(d for d in objects if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "tweetics-prometheus-scrape")
    job = yaml.safe_load(scrape["data"]["tweetics-scrape.yaml"])["scrape_configs"][0]
    namespace = deployments["tweetpub"]["metadata"]["namespace"]
    assert job["kubernetes_sd_configs"][0]["namespaces"]["names"] == [namespace]
    # the relabelling turns an annotated pod's address into host:annotated-port
    rule = next(r for r in job["relabel_configs"] if r.get("target_label") == "__address__")
    assert re.fullmatch(rule["regex"], "10.0.0.7:7079;9102") and \
        re.sub(rule["regex"], rule["replacement"].replace("$", "\\"), "10.0.0.7:7079;9102") == "10.0.0.7:9102"


def test_compose_serves_what_prometheus_scrapes():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    for config, host in (("prometheus.yml", None), ("prometheus-host.yml", "127.0.0.1")):
        jobs = yaml.safe_load((ROOT / "deploy" / "prometheus" / config).read_text())["scrape_configs"]
        targets = {j["job_name"]: j["static_configs"][0]["targets"][0] for j in jobs}
        assert set(targets) == set(EXPECTED)
        for name, port in EXPECTED.items():
            assert targets[name] == f"{host or name}:{port}"
            service = compose[name]
            if name != "tweetviz":
                assert service["environment"][f"{name.upper()}_METRICS_PORT"] == str(port)
            assert any(p.endswith(f":{port}") for p in service["ports"]), service["ports"]

"""Spinnaker: the pipeline is valid JSON, its stages form a DAG in the demo's order, and every
artifact, file, image and manifest it references exists (Job manifests validate with kubeconform)."""

from __future__ import annotations

import json
import shlex
from graphlib import CycleError, TopologicalSorter
from typing import Any

import pytest
import yaml

from .conftest import ROOT, Tools, kubeconform

PIPELINE = ROOT / "deploy" / "spinnaker" / "tweetics-pipeline.json"
STAGE_TYPES = {"runJobManifest", "bakeManifest", "deployManifest", "manualJudgment", "wait", "webhook"}


@pytest.fixture(scope="module")
def pipeline() -> dict[str, Any]:
    return json.loads(PIPELINE.read_text())


def _graph(pipeline: dict[str, Any]) -> dict[str, set[str]]:
    return {s["refId"]: set(s.get("requisiteStageRefIds", [])) for s in pipeline["stages"]}


def _ancestors(graph: dict[str, set[str]], ref: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[ref])
    while todo:
        r = todo.pop()
        if r not in seen:
            seen.add(r)
            todo.extend(graph[r])
    return seen


def test_stages_form_a_dag(pipeline) -> None:
    refs = [s["refId"] for s in pipeline["stages"]]
    assert len(refs) == len(set(refs)), "duplicate refId"
    graph = _graph(pipeline)
    for ref, deps in graph.items():
        assert deps <= set(graph), f"{ref} depends on unknown stages {deps - set(graph)}"
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # pragma: no cover - the assertion message is the point
        pytest.fail(f"stage cycle: {exc.args[1]}")
    assert set(order) == set(refs)
    assert all(s["type"] in STAGE_TYPES for s in pipeline["stages"])


def test_stage_order_reproduces_the_demo(pipeline) -> None:
    graph = _graph(pipeline)
    by_name = {s["name"]: s["refId"] for s in pipeline["stages"]}
    chain = ["HDFS on metal (Heat)", "Kafka on Kubernetes", "Spark on VMs (Heat)",
             "Submit TweeTics (Heat)", "tweetpub and tweetviz on Kubernetes"]
    for earlier, later in zip(chain, chain[1:]):
        assert by_name[earlier] in _ancestors(graph, by_name[later]), f"{earlier} must precede {later}"
    gates = [s for s in pipeline["stages"] if s["type"] == "manualJudgment"]
    assert gates and by_name["Spark on VMs (Heat)"] in _ancestors(graph, gates[0]["refId"])
    assert gates[0]["refId"] in _ancestors(graph, by_name["Submit TweeTics (Heat)"])
    assert gates[0].get("notifications") and gates[0].get("sendNotifications")
    assert {"pipeline.failed", "pipeline.complete"} <= {w for n in pipeline["notifications"] for w in n["when"]}


def test_artifacts_are_declared_and_exist(pipeline, settings) -> None:
    declared = {a["id"]: a for a in pipeline["expectedArtifacts"]}
    for s in pipeline["stages"]:
        declared.update({a["id"]: a for a in s.get("expectedArtifacts", [])})
    referenced = set()
    for s in pipeline["stages"]:
        referenced |= set(s.get("requiredArtifactIds", []))
        if "manifestArtifactId" in s:
            referenced.add(s["manifestArtifactId"])
        if "inputArtifact" in s:
            referenced.add(s["inputArtifact"]["id"])
        if "kustomizeFilePath" in s:
            assert (ROOT / s["kustomizeFilePath"]).is_file(), s["kustomizeFilePath"]
    for trigger in pipeline.get("triggers", []):
        referenced |= set(trigger.get("expectedArtifactIds", []))
    assert referenced <= set(declared), referenced - set(declared)
    assert set(declared) <= referenced, f"declared but unused: {set(declared) - referenced}"
    images = set(settings[k] for k in settings if k.endswith("_IMAGE"))
    for a in declared.values():
        match = a["matchArtifact"]
        if match["type"] == "docker/image":
            ref = a["defaultArtifact"]["reference"]
            assert ref in images, f"{ref} is not a deploy/settings.env image"
            component = match["name"].rsplit("/", 1)[1]
            assert (ROOT / "deploy" / "docker" / f"{component}.Dockerfile").is_file(), component


def test_heat_jobs_run_existing_templates_and_validate(tools: Tools, pipeline, settings) -> None:
    jobs = [s for s in pipeline["stages"] if s["type"] == "runJobManifest"]
    assert len(jobs) >= 4
    for s in jobs:
        container = s["manifest"]["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] == settings["DEPLOYER_IMAGE"]
        assert s["propertyFile"] == container["name"]
        script, _name, tpl, env, *rest = container["command"]
        assert script == "/opt/tweetics/heat/stack.sh" and (ROOT / "heat" / "stack.sh").is_file()
        assert (ROOT / "heat" / tpl).is_file() and (ROOT / "heat" / env).is_file(), (tpl, env)
        for flag, value in zip(rest[::2], rest[1::2]):
            assert flag == "--parameter", shlex.join(rest)
            key = value.split("=", 1)[0]
            assert key in yaml.safe_load((ROOT / "heat" / tpl).read_text())["parameters"], key
    text = yaml.safe_dump_all([s["manifest"] for s in jobs])
    for version in tools.k8s_versions:
        proc = kubeconform(tools, text, version)
        assert proc.returncode == 0, proc.stdout

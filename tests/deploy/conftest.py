"""Fixtures for the placement tests: the validators (installed by `make deploy-tools`), the
shared settings, and the kustomize builds of every overlay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".cache" / "bin"
TOOLS = ROOT / ".cache" / "deploy-tools"
# The kustomizations a user or the pipeline builds: each must build and validate.
KUSTOMIZATIONS = ["base", "overlays/hybrid", "overlays/hybrid/kafka", "overlays/hybrid/apps",
                  "overlays/all-in-k8s"]


def _make_var(name: str) -> str:
    """A variable's value in mk/deploy.mk (the pinned tool versions live there only)."""
    for line in (ROOT / "mk" / "deploy.mk").read_text().splitlines():
        key, sep, value = line.partition(":=")
        if sep and key.strip() == name:
            return value.strip()
    raise KeyError(name)


@dataclass(frozen=True)
class Tools:
    kustomize: Path
    kubeconform: Path
    shellcheck: Path
    k8s_schemas: Path
    k8s_versions: tuple[str, ...]
    heat: dict[str, Any]
    compose_schema: dict[str, Any]


@pytest.fixture(scope="session")
def tools() -> Tools:
    """Run `make deploy-tools` (cached, so quick after the first run) and return the tools."""
    proc = subprocess.run(
        ["make", "--no-print-directory", "-f", "mk/deploy.mk", "deploy-tools", f"PY={sys.executable}"],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"make deploy-tools failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    heat_version = _make_var("HEAT_VERSION")
    compose_go = _make_var("COMPOSE_GO_VERSION")
    return Tools(
        kustomize=BIN / "kustomize",
        kubeconform=BIN / "kubeconform",
        shellcheck=BIN / "shellcheck",
        k8s_schemas=TOOLS / "k8s-schemas",
        k8s_versions=tuple(_make_var("K8S_SCHEMA_VERSIONS").split()),
        heat=json.loads((TOOLS / f"heat-{heat_version}-resource-types.json").read_text()),
        compose_schema=json.loads((TOOLS / f"compose-spec-{compose_go}.json").read_text()),
    )


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments and blanks skipped); duplicate keys are an error."""
    out: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep and key and key == key.strip() and " " not in value, f"{path}:{number}: {line!r}"
        assert key not in out, f"{path}:{number}: {key} repeated"
        out[key] = value
    return out


@pytest.fixture(scope="session")
def settings() -> dict[str, str]:
    return read_env_file(ROOT / "deploy" / "settings.env")


def kustomize_build(tools: Tools, kustomization: str) -> str:
    proc = subprocess.run([str(tools.kustomize), "build", str(ROOT / "k8s" / kustomization)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"kustomize build k8s/{kustomization}:\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="session")
def builds(tools: Tools) -> dict[str, list[dict[str, Any]]]:
    """kustomization path -> the objects `kustomize build` renders for it."""
    return {k: [d for d in yaml.safe_load_all(kustomize_build(tools, k)) if d]
            for k in KUSTOMIZATIONS}


def kubeconform(tools: Tools, text: str, version: str) -> subprocess.CompletedProcess[str]:
    """Validate manifests (stdin) against one Kubernetes release's schemas, strictly, offline."""
    location = str(tools.k8s_schemas) + \
        "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
    return subprocess.run(
        [str(tools.kubeconform), "-strict", "-summary", "-output", "json",
         "-kubernetes-version", version, "-schema-location", location, "-"],
        input=text, capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": "/tmp"})

"""compose and Dockerfiles: compose.yaml validates against the Compose Specification schema
(as embedded in compose-go), build contexts and Dockerfiles exist, images are small-based,
pinned and run as non-root."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from .conftest import ROOT, Tools

DOCKER = ROOT / "deploy" / "docker"
COMPOSE = ROOT / "deploy" / "compose.yaml"
DOCKERFILES = sorted(DOCKER.glob("*.Dockerfile"))


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_validates_against_the_compose_spec(tools: Tools, compose) -> None:
    validator = jsonschema.validators.validator_for(tools.compose_schema)(tools.compose_schema)
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(compose)]
    assert not errors, errors
    broken = copy.deepcopy(compose)
    broken["services"]["kafka"]["restart_policy"] = "always"
    assert list(validator.iter_errors(broken)), "the schema must reject an unknown service key"


def test_compose_builds_point_at_real_contexts(compose) -> None:
    built = set()
    for name, svc in compose["services"].items():
        image = svc["image"]
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", image) and not image.endswith(":latest"), name
        assert not svc.get("privileged"), name
        if "build" in svc:
            context = (COMPOSE.parent / svc["build"]["context"]).resolve()
            assert context.is_dir(), name
            assert (context / svc["build"]["dockerfile"]).is_file(), name
            built.add(Path(svc["build"]["dockerfile"]).name)
    # Every component image compose runs is built from this repository.
    assert {"tweetpub.Dockerfile", "tweetics.Dockerfile", "tweetviz.Dockerfile"} <= built


def _stages(text: str) -> list[list[tuple[str, str]]]:
    """Instructions per build stage, continuation lines joined."""
    text = re.sub(r"\\\n", " ", text)
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, rest = line.partition(" ")
        if op.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((op.upper(), rest.strip()))
    return stages


def _global_args(text: str) -> dict[str, str]:
    head = text.split("\nFROM ", 1)[0]
    return dict(re.findall(r"^ARG (\w+)=(\S+)$", head, re.M))


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfile(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    args = _global_args(text)
    stages = _stages(text)
    stage_names = set()
    for stage in stages:
        base = stage[0][1].split(" AS ")[0].strip()
        base = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], base)
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", base) and not base.endswith(":latest"), base
        if " AS " in stage[0][1]:
            stage_names.add(stage[0][1].split(" AS ")[1].strip())
    final = stages[-1]
    assert "slim" in re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], final[0][1]), "small base image"
    users = [rest for op, rest in final if op == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}, "final stage must drop root"
    assert any(op in {"ENTRYPOINT", "CMD"} for op, _ in final)
    # The build context is the repository root; everything COPY takes must be there.
    for stage in stages:
        for op, rest in stage:
            if op in {"COPY", "ADD"} and "--from=" not in rest:
                *sources, _dest = rest.split()
                for src in (s for s in sources if not s.startswith("--")):
                    assert (ROOT / src).exists(), f"{dockerfile.name}: COPY {src} missing from the context"
    assert (DOCKER / f"{dockerfile.name}.dockerignore").is_file()

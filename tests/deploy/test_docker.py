"""compose and Dockerfiles: compose.yaml validates against the Compose Specification schema
(as embedded in compose-go), build contexts and Dockerfiles exist, images are small-based,
pinned and run as non-root. Each program's image installs its own pyproject extra, copies exactly
the packages the program imports and lets nothing else into its build context; tweetviz starts only
as `tweetviz serve`, in the image, in compose and in Kubernetes."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from .conftest import KUSTOMIZATIONS, ROOT, Tools
from .image_model import (FIRST_PARTY, copied_sources, distributions_of, dockerignore_rules, exec_form,
                          first_party_closure, modules_of_distributions, project, sent, stages,
                          third_party_imports)
from .k8s_model import containers, workloads

DOCKER = ROOT / "deploy" / "docker"
COMPOSE = ROOT / "deploy" / "compose.yaml"
DOCKERFILES = sorted(DOCKER.glob("*.Dockerfile"))
PROGRAMS = ("tweetpub", "tweetics", "tweetviz")  # each has an image, a pyproject extra and a package
# How every tweetviz container starts: `tweetviz serve`, the one way to serve the dashboard
# (gunicorn, gthread workers), listening on all addresses instead of loopback.
TWEETVIZ_ARGV = ["tweetviz", "serve", "--host", "0.0.0.0"]


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


def _global_args(text: str) -> dict[str, str]:
    head = text.split("\nFROM ", 1)[0]
    return dict(re.findall(r"^ARG (\w+)=(\S+)$", head, re.M))


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfile(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    args = _global_args(text)
    parsed = stages(text)
    stage_names = set()
    for stage in parsed:
        base = stage[0][1].split(" AS ")[0].strip()
        base = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], base)
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", base) and not base.endswith(":latest"), base
        if " AS " in stage[0][1]:
            stage_names.add(stage[0][1].split(" AS ")[1].strip())
    final = parsed[-1]
    assert "slim" in re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], final[0][1]), "small base image"
    users = [rest for op, rest in final if op == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}, "final stage must drop root"
    # Exec form only: with the shell form /bin/sh is PID 1 and never passes SIGTERM on.
    assert exec_form(dockerfile, "ENTRYPOINT") or exec_form(dockerfile, "CMD")
    # The build context is the repository root; everything COPY takes must be there.
    for src in copied_sources(dockerfile):
        if src.startswith(".cache/jars/"):
            # The launcher's jar sets (`make jars`, which `make images` runs first): a pinned POM each.
            assert (ROOT / "deploy/local/maven" / src.split("/")[2] / "pom.xml").is_file(), src
            continue
        assert (ROOT / src).exists(), f"{dockerfile.name}: COPY {src} missing from the context"
    assert (DOCKER / f"{dockerfile.name}.dockerignore").is_file()


# --- per-program images: the extra, the packages, the build context ---------------------------------

def _pip_installs(dockerfile: Path) -> list[str]:
    return [cmd for stage in stages(dockerfile.read_text()) for op, rest in stage if op == "RUN"
            for cmd in re.split(r"&&|;", rest) if re.search(r"\bpip install\b", cmd)]


@pytest.mark.parametrize("program", PROGRAMS)
def test_image_installs_its_programs_extra(program: str) -> None:
    """`pip install .[<program>]`: the core (the tweetcontract ground floor's light dependencies) plus
    the program's extra, never the project's whole dependency list filtered inline."""
    assert program in project()["optional-dependencies"], f"pyproject.toml has no [{program}] extra"
    installs = _pip_installs(DOCKER / f"{program}.Dockerfile")
    assert installs, f"{program}.Dockerfile installs nothing"
    assert any(re.search(rf"""["']?\.\[{program}\]["']?(\s|$)""", cmd) for cmd in installs), installs
    for cmd in installs:
        assert "--no-deps" not in cmd and " -r " not in cmd, f"{program}.Dockerfile: {cmd.strip()}"
        other = re.findall(r"\.\[([\w,-]+)\]", cmd)
        assert all(extras == program for extras in other), f"{program}.Dockerfile installs extras {other}"
    assert "tomllib" not in (DOCKER / f"{program}.Dockerfile").read_text()


@pytest.mark.parametrize("program", PROGRAMS)
def test_image_copies_exactly_the_packages_its_program_imports(program: str) -> None:
    """setuptools packages only the folders present, so the image holds what it copies: the program and
    every package of ours it imports (transitively), and none of the other programs."""
    sources = copied_sources(DOCKER / f"{program}.Dockerfile")
    assert {"pyproject.toml", "README.md"} <= set(sources), "the build needs the project metadata"
    copied = {src for src in sources if src in FIRST_PARTY}
    needed = first_party_closure(program)
    assert copied == needed, f"{program} imports {sorted(needed)}; its image copies {sorted(copied)}"


def _context_files() -> list[str]:
    """Every file of the repository a build could send: tracked, and new but not git-ignored."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    return sorted(set(out))


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerignore_sends_exactly_what_the_image_copies(dockerfile: Path) -> None:
    rules = dockerignore_rules(DOCKER / f"{dockerfile.name}.dockerignore")
    sources = copied_sources(dockerfile)
    for rel in _context_files():
        wanted = any(rel == src or rel.startswith(src + "/") for src in sources)
        assert sent(rules, rel) == wanted, \
            f"{dockerfile.name}.dockerignore {'drops' if wanted else 'sends'} {rel}"
    for local in (".git", ".venv", ".cache", ".stack", "tests", "tweetviz/__pycache__/x.pyc"):
        assert not sent(rules, local), f"{dockerfile.name}.dockerignore sends {local}"


@pytest.mark.parametrize("program", PROGRAMS)
def test_program_imports_only_what_its_extra_installs(program: str) -> None:
    """Every third-party module the program's packages import comes with the core or its extra (or
    their dependencies)."""
    provided = distributions_of(None) | distributions_of(program)
    by_module = modules_of_distributions()
    for module in sorted(third_party_imports(first_party_closure(program))):
        dists = by_module.get(module)
        assert dists, f"{program} imports {module}, which no installed distribution provides"
        assert dists & provided, f"{program} imports {module} ({', '.join(sorted(dists))}), " \
                                 f"which neither the core nor the [{program}] extra installs"


_IMPORT_ALL = """
import importlib, json, pkgutil, sys

foreign = set(json.loads(sys.argv[1]))
tried = []

class NotInTheImage:
    # Modules of distributions the image does not install: importing them fails as it would there.
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.split(".")[0] not in foreign:
            return None
        frame = sys._getframe(1)
        while frame and frame.f_code.co_filename.startswith("<frozen"):
            frame = frame.f_back
        tried.append([name, frame.f_globals.get("__name__", "?") if frame else "?"])
        raise ModuleNotFoundError(f"No module named {name!r} (not in the image)", name=name)

sys.meta_path.insert(0, NotInTheImage)
for package in sys.argv[2:]:
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        if not info.name.endswith(".__main__"):
            importlib.import_module(info.name)
print(json.dumps({"loaded": sorted({name.split(".")[0] for name in sys.modules}), "tried": tried}))
"""


@pytest.mark.parametrize("program", PROGRAMS)
def test_program_imports_without_the_other_extras(program: str) -> None:
    """Every module of the program (and of our packages it uses) imported in a fresh interpreter in
    which the other programs and every distribution only the other programs' extras install are
    missing, as in the program's image: it imports, and none of our modules even tries to load them
    (the dashboard never loads confluent_kafka, tweepy or pyspark). A library's optional import that
    falls back (oauthlib trying blinker) is its own business."""
    own = distributions_of(None) | distributions_of(program)
    others = set().union(*(distributions_of(p) for p in PROGRAMS if p != program)) - own
    foreign = {module for module, dists in modules_of_distributions().items() if dists <= others}
    foreign |= set(FIRST_PARTY) - first_party_closure(program)
    if program == "tweetviz":
        assert {"confluent_kafka", "tweepy", "pyspark", "tweetpub", "tweetics"} <= foreign  # control
    proc = subprocess.run([sys.executable, "-c", _IMPORT_ALL, json.dumps(sorted(foreign)),
                           *sorted(first_party_closure(program))],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{program} does not import without the other extras:\n{proc.stderr[-3000:]}"
    report = json.loads(proc.stdout.splitlines()[-1])
    assert program in report["loaded"] and not set(report["loaded"]) & foreign
    ours = [(name, importer) for name, importer in report["tried"] if importer.split(".")[0] in FIRST_PARTY]
    assert not ours, f"{program}'s modules try to import {ours}"


# --- tweetviz: one way to serve ------------------------------------------------------------------------

def _serve_options() -> set[str]:
    """The TWEETVIZ_* variables tweetviz reads: its command line's and its app's configuration keys."""
    from tweetviz import config as tweetviz_config
    from tweetviz.cli import main, serve

    names = {p.envvar for p in main.params + serve.params if isinstance(p, click.Option) and p.envvar}
    return names | {f"TWEETVIZ_{key}" for key in tweetviz_config.DEFAULTS}


def _started_as(argv: list[str], env: dict[str, str], monkeypatch) -> tuple[str, int]:
    """Run the argv's `tweetviz` command line (gunicorn not started) with a container's variables:
    where it would listen."""
    from tweetviz import server
    from tweetviz.cli import main

    assert argv == TWEETVIZ_ARGV, f"tweetviz must start as {' '.join(TWEETVIZ_ARGV)}, not {' '.join(argv)}"
    unknown = {k for k in env if k.startswith("TWEETVIZ_")} - _serve_options()
    assert not unknown, f"tweetviz reads no {sorted(unknown)}"
    assert not {k for k in env if k.startswith("GUNICORN")}, "gunicorn is configured by tweetviz serve"
    seen: dict[str, Any] = {}
    monkeypatch.setattr(server, "run_gunicorn", lambda factory, host, port, workers, threads:
                        seen.update(host=host, port=port))
    for var in [v for v in os.environ if v.startswith("TWEETVIZ_")]:
        monkeypatch.delenv(var)
    env = {"TWEETVIZ_DATA": "file:///nonexistent", **env}
    result = CliRunner().invoke(main, argv[1:], env=env)
    assert result.exit_code == 0, result.output
    return seen["host"], seen["port"]


def _image_argv(dockerfile: Path) -> list[str]:
    return (exec_form(dockerfile, "ENTRYPOINT") or []) + (exec_form(dockerfile, "CMD") or [])


def test_tweetviz_image_starts_tweetviz_serve(monkeypatch) -> None:
    dockerfile = DOCKER / "tweetviz.Dockerfile"
    host, port = _started_as(_image_argv(dockerfile), {}, monkeypatch)
    final = stages(dockerfile.read_text())[-1]
    assert host == "0.0.0.0" and [str(port)] == [rest for op, rest in final if op == "EXPOSE"]
    assert not any(op == "ENV" and "TWEETVIZ_" in rest for op, rest in final), "settings belong to the deployment"


def test_compose_starts_tweetviz_serve(compose, monkeypatch) -> None:
    image_entrypoint = exec_form(DOCKER / "tweetviz.Dockerfile", "ENTRYPOINT") or []
    image_cmd = exec_form(DOCKER / "tweetviz.Dockerfile", "CMD") or []
    services = {name: svc for name, svc in compose["services"].items()
                if svc["image"].rsplit(":", 1)[0].endswith("/tweetviz")
                or svc.get("build", {}).get("dockerfile", "").endswith("tweetviz.Dockerfile")}
    assert services
    for name, svc in services.items():
        # compose, like `docker run --entrypoint`, drops the image's CMD when it sets an entrypoint.
        if "entrypoint" in svc:
            argv = list(svc["entrypoint"]) + list(svc.get("command", []))
        else:
            argv = image_entrypoint + list(svc.get("command", image_cmd))
        env = {k: str(v) for k, v in (svc.get("environment") or {}).items()}
        host, port = _started_as(argv, env, monkeypatch)
        targets = {int(p.rsplit(":", 1)[1]) for p in svc.get("ports", [])}
        assert host == "0.0.0.0" and targets == {port}, f"{name}: listens on {port}, publishes {targets}"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_kubernetes_starts_tweetviz_serve(builds, kustomization: str, monkeypatch) -> None:
    objs = builds[kustomization]
    image_entrypoint = exec_form(DOCKER / "tweetviz.Dockerfile", "ENTRYPOINT") or []
    image_cmd = exec_form(DOCKER / "tweetviz.Dockerfile", "CMD") or []
    config_maps = {o["metadata"]["name"]: o.get("data", {}) for o in objs if o["kind"] == "ConfigMap"}
    found = 0
    for w in workloads(objs):
        for c in containers(w):
            if c["image"].rsplit(":", 1)[0].endswith("/tweetviz"):
                found += 1
                # command replaces the image's ENTRYPOINT (and then its CMD too), args its CMD.
                if "command" in c:
                    argv = c["command"] + c.get("args", [])
                else:
                    argv = image_entrypoint + c.get("args", image_cmd)
                env = {}
                for e in c.get("env", []):
                    ref = e.get("valueFrom", {}).get("configMapKeyRef")
                    if "value" in e:
                        env[e["name"]] = e["value"]
                    elif ref and ref["name"] in config_maps:
                        env[e["name"]] = config_maps[ref["name"]][ref["key"]]
                    # else: deployed with another half (test_k8s checks it resolves); a stand-in serves
                host, port = _started_as(argv, env, monkeypatch)
                ports = {p["containerPort"] for p in c.get("ports", [])}
                assert host == "0.0.0.0" and ports == {port}, f"{w['metadata']['name']}: {port} vs {ports}"
    has_tweetviz = kustomization in {"base", "overlays/hybrid", "overlays/hybrid/apps", "overlays/all-in-k8s"}
    assert bool(found) == has_tweetviz, f"k8s/{kustomization}: {found} tweetviz containers"

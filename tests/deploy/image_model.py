"""Read-only helpers for the image checks: Dockerfile instructions, .dockerignore rules, the
imports of our packages and what each pyproject extra provides."""

from __future__ import annotations

import ast
import functools
import importlib.metadata as metadata
import json
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .conftest import ROOT

# Top-level folders that setuptools packages (pyproject's packages.find include), i.e. ours.
FIRST_PARTY = ("tweetcontract", "tweetpub", "tweetics", "tweetviz", "tweetdev")


def stages(text: str) -> list[list[tuple[str, str]]]:
    """Instructions per build stage, continuation lines joined."""
    text = re.sub(r"\\\n", " ", text)
    out: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, rest = line.partition(" ")
        if op.upper() == "FROM":
            out.append([])
        if out:
            out[-1].append((op.upper(), rest.strip()))
    return out


def exec_form(dockerfile: Path, op: str) -> list[str] | None:
    """The final stage's last ENTRYPOINT or CMD as an argv; exec (JSON) form is required, since the
    shell form makes /bin/sh PID 1 and it does not pass SIGTERM on."""
    values = [rest for o, rest in stages(dockerfile.read_text())[-1] if o == op]
    if not values:
        return None
    argv = json.loads(values[-1])
    assert isinstance(argv, list) and all(isinstance(a, str) for a in argv), f"{dockerfile.name}: {op} {values[-1]}"
    return argv


def copied_sources(dockerfile: Path) -> list[str]:
    """Every path a COPY or ADD takes from the build context (not from another stage)."""
    out = []
    for stage in stages(dockerfile.read_text()):
        for op, rest in stage:
            if op in {"COPY", "ADD"} and "--from=" not in rest:
                *sources, _dest = rest.split()
                out += [s.rstrip("/") for s in sources if not s.startswith("--")]
    return out


# --- .dockerignore -------------------------------------------------------------------------------

def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Docker's pattern language (Go filepath.Match plus `**`), as a regex over a clean path."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + "[" + pattern[i + 1:end].replace("^", "\\^", 1).replace("!", "^", 1) + "]", end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignore_rules(path: Path) -> list[tuple[bool, re.Pattern[str]]]:
    """(is an exception, pattern) per rule, in file order."""
    rules = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line[1:].strip() if negate else line
        pattern = pattern.strip("/")  # Docker cleans patterns: "tweetviz/" is "tweetviz", "/x" is "x"
        rules.append((negate, _pattern_regex(pattern)))
    return rules


def sent(rules: list[tuple[bool, re.Pattern[str]]], rel: str) -> bool:
    """Whether the build context keeps the file `rel`: the last rule matching it, or one of its
    parent folders, decides (Docker's rule)."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    keep = True
    for negate, regex in rules:
        if any(regex.fullmatch(p) for p in prefixes):
            keep = negate
    return keep


# --- imports ---------------------------------------------------------------------------------------

def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


@functools.cache
def imported_top_levels(package: str) -> frozenset[str]:
    """Top-level names every module of `package` imports, at any depth (also inside functions), but
    not under `if TYPE_CHECKING:`."""
    names = set()
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if _type_checking_only(node, parents):
                continue
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return frozenset(names)


def first_party_closure(package: str) -> set[str]:
    """`package` and every package of ours it imports, transitively."""
    seen, todo = set(), [package]
    while todo:
        pkg = todo.pop()
        if pkg in seen:
            continue
        seen.add(pkg)
        todo += [n for n in imported_top_levels(pkg) if n in FIRST_PARTY]
    return seen


def third_party_imports(packages: set[str]) -> set[str]:
    return {n for p in packages for n in imported_top_levels(p)
            if n not in FIRST_PARTY and n not in sys.stdlib_module_names and n != "__future__"}


# --- pyproject extras ----------------------------------------------------------------------------

def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _requirements(dist: str, extras: frozenset[str] = frozenset()) -> list[Requirement]:
    """A distribution's requirements (as installed here) that apply on this platform with `extras`."""
    reqs = []
    try:
        texts = metadata.requires(dist) or []
    except metadata.PackageNotFoundError:  # not installed here: its own name counts, its needs are unknown
        return []
    for text in texts:
        req = Requirement(text)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras or {""}):
            reqs.append(req)
    return reqs


@functools.cache
def distributions_of(extra: str | None) -> frozenset[str]:
    """Canonical names of the distributions `pip install .[extra]` brings (`None`: the core), resolved
    through the dependencies of the versions installed in this venv."""
    meta = project()
    todo = [Requirement(r) for r in meta["dependencies"]]
    if extra:
        todo += [Requirement(r) for r in meta["optional-dependencies"][extra]]
    own = canonicalize_name(meta["name"])
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name == own:  # an extra naming other extras of this project
            todo += [Requirement(r) for e in req.extras for r in meta["optional-dependencies"][e]]
            continue
        if name in seen:
            continue
        seen.add(name)
        todo += _requirements(req.name, frozenset(req.extras))
    return frozenset(seen)


@functools.cache
def modules_of_distributions() -> dict[str, frozenset[str]]:
    """Top-level module name -> canonical names of the installed distributions providing it."""
    return {module: frozenset(canonicalize_name(d) for d in dists)
            for module, dists in metadata.packages_distributions().items()}

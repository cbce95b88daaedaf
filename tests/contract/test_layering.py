"""The layering rule of docs/architecture.md: the stages share only contracts.

tweetpub, tweetics and tweetviz import the ground floor (tweetcontract) and themselves, never each other;
tweetcontract imports none of them; the dev wing (tweetdev) is never imported by a program. Imports are read
from the source (every ``import`` statement, including those inside functions), so a lazy import counts.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APPS = ("tweetpub", "tweetics", "tweetviz")
ALLOWED = {
    "tweetcontract": {"tweetcontract"},
    **{app: {app, "tweetcontract"} for app in APPS},
}
OURS = {*APPS, "tweetcontract", "tweetdev"}
MAX_MODULE_LINES = 400


def imported_packages(path: Path, package: str) -> set[str]:
    """Top-level names of our packages that one module imports (relative imports resolve to ``package``)."""
    tree = ast.parse(path.read_text(), str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(package if node.level else (node.module or "").split(".")[0])
    return found & OURS


def violations(root: Path) -> list[str]:
    """``module imports package`` for every import that breaks the rule under ``root``."""
    out = []
    for package, allowed in ALLOWED.items():
        for path in sorted((root / package).rglob("*.py")):
            for name in sorted(imported_packages(path, package) - allowed):
                out.append(f"{path.relative_to(root)} imports {name}")
    return out


def test_no_stage_imports_another_stage():
    assert violations(REPO) == []


def test_the_check_catches_an_added_cross_app_import(tmp_path):
    # The same check on a copy of the layout with one forbidden import added (a lazy one, inside a function).
    for package in ALLOWED:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "tweetviz" / "data.py").write_text(
        "from tweetcontract.output import counts\n\ndef f():\n    from tweetics import state\n")
    (tmp_path / "tweetcontract" / "rules.py").write_text("import tweetpub.cli\n")
    (tmp_path / "tweetics" / "ok.py").write_text("from . import state\nfrom tweetcontract import hashtags\n")
    assert violations(tmp_path) == ["tweetcontract/rules.py imports tweetpub", "tweetviz/data.py imports tweetics"]


@pytest.mark.parametrize("app,forbidden", [
    ("tweetviz", ("confluent_kafka", "tweepy", "pyspark")),
    ("tweetcontract", ("confluent_kafka", "tweepy", "pyspark", "flask")),
])
def test_importing_a_program_loads_no_other_programs_dependencies(app, forbidden):
    # Every module of the package, imported in a fresh interpreter; then what got loaded.
    modules = sorted(".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
                     for p in (REPO / app).rglob("*.py") if p.name != "__main__.py")
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            f"print(sorted(n for n in {forbidden!r} if n in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_no_product_module_is_over_the_size_limit():
    product = [p for package in (*APPS, "tweetcontract", "tweetdev") for p in (REPO / package).rglob("*.py")]
    too_long = {str(p.relative_to(REPO)): n for p in product if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert too_long == {}


def test_no_sys_path_edits():
    # Packages are importable because they are installed (editable for development), never by path edits.
    needles = tuple("sys.path." + verb for verb in ("insert", "append", "extend"))
    offenders = [str(p.relative_to(REPO)) for folder in (*APPS, "tweetcontract", "tweetdev", "tests", "benchmarks")
                 for p in (REPO / folder).rglob("*.py") if any(n in p.read_text() for n in needles)]
    assert offenders == []

"""The commands the READMEs show must exist: every `make` target (checked with `make -n`), every option of
tweetpub, tweetics and tweetviz, and every `--help`/`--version` line (run as shown). Nothing here needs a service.

Commands are read from the fenced code blocks of the root README and every folder's README.
"""
from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import click
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"
SKIP_DIRS = {".venv", ".cache", ".stack", "build", "node_modules", ".git", ".pytest_cache"}
PROGRAMS = ("tweetpub", "tweetics", "tweetviz")
#: spark-submit's own options: `tweetics submit` passes them through.
SPARK_SUBMIT = {"--master", "--deploy-mode", "--class", "--name", "--jars", "--packages", "--exclude-packages",
                "--repositories", "--py-files", "--files", "--archives", "--conf", "-c", "--properties-file",
                "--driver-memory", "--driver-java-options", "--driver-library-path", "--driver-class-path",
                "--executor-memory", "--proxy-user", "--verbose", "-v", "--driver-cores", "--supervise",
                "--total-executor-cores", "--executor-cores", "--num-executors", "--principal", "--keytab",
                "--queue"}


def readmes() -> list[Path]:
    return sorted(p for p in REPO.rglob("README.md") if not SKIP_DIRS & set(p.relative_to(REPO).parts[:-1]))


def commands(path: Path) -> list[str]:
    """The shell commands of a README's fenced code blocks: continuations joined, comments dropped."""
    out: list[str] = []
    in_block, pending = False, ""
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("```"):
            in_block, pending = not in_block, ""
            continue
        if not in_block:
            continue
        line = re.sub(r"(^|\s)#(\s.*)?$", "", line).rstrip()  # a comment, not a '#' inside a word
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        for part in re.split(r"&&|\|\||;|\|", line):
            part = part.strip()
            if part:
                out.append(part)
    return out


def _words(command: str) -> list[str]:
    try:
        words = shlex.split(command)
    except ValueError:  # JSON or prose in a block, not a command
        return []
    while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):  # VAR=value make ...
        words.pop(0)
    return [w.strip("[]") for w in words]


CASES = [(f"{p.relative_to(REPO)}: {c}", _words(c)) for p in readmes() for c in commands(p)]
MAKE_CASES = [(where, words) for where, words in CASES if words[:1] == ["make"]]
PROGRAM_CASES = [(where, words) for where, words in CASES if words[:1] and words[0] in PROGRAMS]


def test_the_readmes_show_commands():
    assert len(readmes()) >= 8
    assert len(MAKE_CASES) >= 10 and len(PROGRAM_CASES) >= 20


@pytest.mark.parametrize("where,words", MAKE_CASES, ids=[w for w, _ in MAKE_CASES])
def test_make_targets_exist(where, words):
    args = [w for w in words[1:] if not w.startswith("-")]
    if args == ["help"]:
        result = subprocess.run(["make", "help"], cwd=REPO, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "make help" in result.stdout, result.stderr
        return
    result = subprocess.run(["make", "-n", *args], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert "No rule to make target" not in result.stderr, f"{where}: {result.stderr.strip()}"
    assert result.returncode == 0, f"{where}: {result.stderr.strip()[-500:]}"


def _command(words: list[str]) -> tuple[click.Command, list[str]]:
    """The click command a README line names and the words after it."""
    import importlib

    group = importlib.import_module(f"{words[0]}.cli").main
    rest = words[1:]
    names = [w for w in rest if not w.startswith("-")]
    if names and names[0] in group.commands:
        return group.commands[names[0]], rest[rest.index(names[0]) + 1:]
    return group, rest


def _known(cmd: click.Command, words: list[str]) -> set[str]:
    known = {o for p in cmd.params for o in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ()))}
    known |= {"--help", "-h"}
    if cmd.name == "submit":  # the job's flags and spark-submit's own pass through
        from tweetics import job

        switches, valued = job.flag_sets()
        known |= switches | valued | SPARK_SUBMIT
    return known


@pytest.mark.parametrize("where,words", PROGRAM_CASES, ids=[w for w, _ in PROGRAM_CASES])
def test_program_options_exist(where, words):
    cmd, rest = _command(words)
    known = _known(cmd, rest)
    for word in rest:
        if word in ("<", ">", "2>"):  # a redirection ends the arguments
            break
        if word in ("-", "--"):  # stdin, the end of the options
            continue
        if word.startswith("-") and not re.match(r"^-\d", word):
            assert word.split("=", 1)[0] in known, f"{where}: {cmd.name} has no option {word}"
    if "--help" in rest or "--version" in rest or words[1:] == []:
        result = subprocess.run([str(BIN / words[0]), *words[1:]], cwd=REPO, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, f"{where}: {result.stderr.strip()}"
        assert result.stdout.strip(), where


def _rules() -> set[str]:
    names = set()
    for path in [REPO / "Makefile", *sorted((REPO / "mk").glob("*.mk"))]:
        for line in path.read_text().splitlines():
            found = re.match(r"^([a-zA-Z0-9_.-]+)\s*:(?!=)", line)
            if found and not found.group(1).startswith("."):
                names.add(found.group(1))
    return names


def test_make_help_lists_every_target():
    listed = set(re.findall(r"^  make (\S+)", subprocess.run(["make", "help"], cwd=REPO, capture_output=True,
                                                              text=True, timeout=60).stdout, re.M))
    rules = _rules()
    assert {"help", "test", "demo", "test-tweetpub", "bench-e2e"} <= rules
    assert rules - listed == set(), "targets missing from make help (add a ## comment)"
    phony = set()
    for path in [REPO / "Makefile", *sorted((REPO / "mk").glob("*.mk"))]:
        for line in path.read_text().splitlines():
            if line.startswith(".PHONY:"):
                phony |= set(line.split(":", 1)[1].split())
    assert phony - rules == set(), ".PHONY names targets that have no rule"

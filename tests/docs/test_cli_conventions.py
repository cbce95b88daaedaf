"""One command-line style for tweetpub, tweetics (and its job) and tweetviz, checked on the click objects themselves:
the variables follow <PROGRAM>_<FLAG>, every one shows in --help, and the local stack's env file writes exactly
variables the programs read."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = ("tweetpub", "tweetics", "tweetviz")
#: Variables that belong to another tool, read as a second choice: Spark's own install location.
FOREIGN = {"SPARK_HOME"}


def _commands(prog: str) -> list[tuple[str, click.Command]]:
    main = importlib.import_module(f"{prog}.cli").main
    return [(prog, main)] + [(f"{prog} {name}", cmd) for name, cmd in main.commands.items()]


def _variables(prog: str) -> set[str]:
    names = set()
    for _, cmd in _commands(prog):
        for p in cmd.params:
            envvar = getattr(p, "envvar", None)
            names |= set([envvar] if isinstance(envvar, str) else envvar or [])
    if prog == "tweetics":
        from tweetics import job

        names |= {m for a in job.build_parser()._actions for m in re.findall(r"\[env var: (\w+)", a.help or "")}
    return names


@pytest.mark.parametrize("prog", PROGRAMS)
def test_variables_are_program_flag_and_shown_in_help(prog):
    for where, cmd in _commands(prog):
        help_text = " ".join(CliRunner().invoke(cmd, ["--help"], prog_name=where).output.split())
        for p in cmd.params:
            envvar = getattr(p, "envvar", None)
            if not envvar:
                continue
            first = envvar if isinstance(envvar, str) else envvar[0]
            flag = max(p.opts, key=len)
            assert first == f"{prog}_{flag.lstrip('-')}".upper().replace("-", "_"), (where, flag, first)
            assert set([envvar] if isinstance(envvar, str) else envvar) - {first} <= FOREIGN, (where, envvar)
            assert f"env var: {first}" in help_text, (where, flag)


@pytest.mark.parametrize("prog", PROGRAMS)
def test_version_and_one_line_usage_errors(prog):
    main = importlib.import_module(f"{prog}.cli").main
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith(f"{prog} ")
    result = CliRunner().invoke(main, ["--no-such-flag"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"{prog}: error: No such option '--no-such-flag'. (see '{prog} --help')"]


def test_the_stack_env_file_writes_variables_the_programs_read():
    source = (REPO / "tweetdev" / "stack" / "cli.py").read_text()
    written = set(re.findall(r'"(TWEET(?:PUB|ICS|VIZ)_[A-Z_]+)"', source))
    assert {"TWEETPUB_BOOTSTRAP_SERVERS", "TWEETICS_BOOTSTRAP_SERVERS", "TWEETVIZ_WEBHDFS_URL"} <= written
    read = set().union(*(_variables(p) for p in PROGRAMS))
    assert written - read == set(), "the env file writes variables no program reads"


def test_bootstrap_server_is_an_alias_everywhere():
    from tweetics import job

    replay = importlib.import_module("tweetpub.cli").main.commands["replay"]
    opts = {o for p in replay.params for o in p.opts}
    assert {"--bootstrap-server", "--bootstrap-servers"} <= opts
    switches, valued = job.flag_sets()
    assert {"--bootstrap-server", "--bootstrap-servers"} <= valued

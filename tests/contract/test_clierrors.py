"""The one error style of the three command lines (tweetcontract.clierrors)."""
from __future__ import annotations

import click
from click.testing import CliRunner

from tweetcontract.clierrors import error_boundary
from tweetcontract.errors import OutputError, UsageError


class Mine(Exception):
    pass


class Other(Exception):
    pass


def _run(exc: BaseException) -> tuple[int, str]:
    @click.command()
    @error_boundary("prog", [((Mine, KeyError), 3), (Other, 4)])
    def cmd() -> None:
        raise exc

    result = CliRunner().invoke(cmd, [])
    assert isinstance(result.exception, SystemExit), result.exception  # a clean exit, never a traceback
    return result.exit_code, result.output


def test_each_error_becomes_one_line_and_its_code():
    assert _run(Mine("bad thing")) == (3, "prog: error: bad thing\n")
    assert _run(KeyError("k"))[0] == 3  # an entry may name several classes
    assert _run(Other("x")) == (4, "prog: error: x\n")
    assert _run(UsageError("no such url")) == (2, "prog: error: no such url\n")
    assert _run(OutputError("unreachable")) == (1, "prog: error: unreachable\n")


def test_other_exceptions_are_not_swallowed():
    @click.command()
    @error_boundary("prog", [(Mine, 3)])
    def cmd() -> None:
        raise ZeroDivisionError

    assert isinstance(CliRunner().invoke(cmd, []).exception, ZeroDivisionError)

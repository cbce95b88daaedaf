"""The one click style of the three programs (tweetpub, tweetics, tweetviz).

* ``ProgramGroup``: the root group class. click's own usage errors (unknown option, missing value, bad
  choice) become the same single line as the programs' errors, ``PROGRAM: error: message``, exit 2,
  instead of click's three-line ``Usage:`` block; its subcommands are ``ProgramCommand``.
* ``ProgramCommand``: shows the environment variable of every option that has one in ``--help``
  (``[env var: PROGRAM_FLAG]``), so the fallbacks are documented in one place and one format.
* ``version_option``: ``--version`` printing ``PROGRAM VERSION``.
* ``env``: the variable name of a flag, ``<PROGRAM>_<FLAG>`` (``--webhdfs-url`` of tweetics ->
  ``TWEETICS_WEBHDFS_URL``), the one naming scheme of the suite.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Sequence

import click

from tweetcontract.clierrors import EXIT_FAILURE, EXIT_USAGE

#: Shared ``context_settings`` of the three programs.
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def env(prog: str, flag: str) -> str:
    """``env("tweetics", "--webhdfs-url")`` -> ``TWEETICS_WEBHDFS_URL``."""
    return f"{prog}_{flag.lstrip('-')}".upper().replace("-", "_")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _show_envvars(params: Sequence[click.Parameter]) -> None:
    for param in params:
        if isinstance(param, click.Option) and param.envvar:
            param.show_envvar = True


class ProgramCommand(click.Command):
    """A subcommand whose options' environment variables are shown in ``--help``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _show_envvars(self.params)


class ProgramGroup(click.Group):
    """The root group: one-line usage errors (exit 2), env vars shown, subcommands are ProgramCommand."""

    command_class = ProgramCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _show_envvars(self.params)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        prog = self.name or prog_name or "program"
        try:
            # Not standalone: click then raises its errors here instead of printing its Usage block.
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            click.echo(f"{prog}: error: {_one_line(exc.format_message())}{hint}", err=True)
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            click.echo(f"{prog}: error: {_one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo(f"{prog}: error: aborted", err=True)
            sys.exit(EXIT_FAILURE)
        sys.exit(rv if isinstance(rv, int) else 0)


def version_option(prog: str) -> Callable[[Any], Any]:
    """``--version``: ``PROGRAM VERSION`` (the installed tweetics-suite's version)."""
    return click.version_option(package_name="tweetics-suite", prog_name=prog, message="%(prog)s %(version)s")

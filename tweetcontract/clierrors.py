"""One error style for the three command lines.

A user's mistake or an unusable input ends in one line on stderr, ``PROGRAM: error: message``, and a
non-zero exit code (2 for usage and input errors, 1 otherwise unless a program maps an error to its
own code), never a traceback. Each program names its own exceptions; the contract package's errors
are mapped the same way everywhere.
"""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable, NoReturn, Sequence, TypeVar

import click

from tweetcontract.errors import ContractError, UsageError

EXIT_FAILURE = 1
EXIT_USAGE = 2

F = TypeVar("F", bound=Callable[..., Any])
ErrorCodes = Sequence[tuple["type[BaseException] | tuple[type[BaseException], ...]", int]]


def fail(prog: str, message: object, code: int = EXIT_FAILURE) -> NoReturn:
    """Print the error line and exit with ``code``."""
    click.echo(f"{prog}: error: {message}", err=True)
    sys.exit(code)


def error_boundary(prog: str, codes: ErrorCodes = ()) -> Callable[[F], F]:
    """Decorate a command so the errors in ``codes`` (checked in order, the first match wins), then the
    contract's :class:`UsageError` (exit 2) and :class:`ContractError` (exit 1), become one error line."""
    handled: tuple[type[BaseException], ...] = (ContractError,)
    for cls, _ in codes:  # ``except`` takes a flat tuple; an entry may name several classes
        handled += cls if isinstance(cls, tuple) else (cls,)

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except handled as exc:
                for cls, code in codes:
                    if isinstance(exc, cls):
                        fail(prog, exc, code)
                fail(prog, exc, EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FAILURE)
        return wrapper  # type: ignore[return-value]
    return decorate

"""The X API bearer token: where it comes from, and keeping it out of every log line.

The token is read from a file or from ``$X_BEARER_TOKEN``, never from the command line (it would show in
``ps``); errors name its source, never its value. While a live run goes on, :class:`redacting` puts a
filter on every root log handler that blanks the token out of any record that still carries it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from tweetpub.exceptions import CredentialsError

TOKEN_ENV = "X_BEARER_TOKEN"


def load_secret(token_file: str | os.PathLike | None, environ: dict | None, *, env_var: str, what: str,
                missing: str) -> str:
    """A single-word secret from ``token_file`` if given, else from ``$env_var``.

    Never accepted on the command line (it would show in ``ps``); errors name the source, never the value.

    :param what: how errors name it ("bearer token", "Mastodon token").
    :param missing: the error when neither the file nor the variable gives one.
    """
    env = os.environ if environ is None else environ
    if token_file is not None:
        path = Path(token_file)
        try:
            token = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise CredentialsError(f"{what} file not found: {path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CredentialsError(f"cannot read {what} file {path}: {type(exc).__name__}") from None
        if not token:
            raise CredentialsError(f"{what} file is empty: {path}")
    else:
        token = (env.get(env_var) or "").strip()
        if not token:
            raise CredentialsError(missing)
    if any(ch.isspace() for ch in token):
        raise CredentialsError(f"the {what} contains whitespace; expected a single token")
    return token


def load_bearer_token(token_file: str | os.PathLike | None = None, environ: dict | None = None) -> str:
    """The X bearer token from ``token_file`` if given, else from ``$X_BEARER_TOKEN``."""
    return load_secret(token_file, environ, env_var=TOKEN_ENV, what="bearer token",
                       missing=f"no bearer token: set {TOKEN_ENV} or pass --bearer-token-file")


class Redactor(logging.Filter):
    """Defence in depth: blank the token out of any log record that reaches a handler."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging module's problem, not ours
            return True
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<redacted>"), None
        return True


class redacting:
    """Context manager putting a :class:`Redactor` on every root handler for the duration of a run."""

    def __init__(self, secret: str) -> None:
        self.filter = Redactor(secret)
        self.handlers: list[logging.Handler] = []

    def __enter__(self) -> None:
        self.handlers = list(logging.getLogger().handlers)
        for handler in self.handlers:
            handler.addFilter(self.filter)

    def __exit__(self, *exc: object) -> None:
        for handler in self.handlers:
            handler.removeFilter(self.filter)

"""The Kafka client properties file every stage accepts (``--kafka-config-file``, ``.stack/env``'s ``client.properties``).

A Java-style properties file: ``key=value`` or ``key: value`` lines (the first ``=`` or ``:`` separates),
blank lines, and comments starting with ``#`` or ``!``. Values may be secrets, so errors name a line number,
never its text.
"""

from __future__ import annotations

from pathlib import Path

from tweetcontract.errors import ContractError


class BadProperties(ContractError, ValueError):
    """A properties file cannot be read or has a line that is not ``key=value`` (the message quotes no value)."""


def parse_properties(text: str) -> dict[str, str]:
    """The entries of a properties text, in order; later keys win.

    :raises BadProperties: a line without a separator (named by its number).
    """
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        cut = min((i for i in (line.find("="), line.find(":")) if i > 0), default=-1)
        if cut < 0:
            raise BadProperties(f"line {n} is not key=value")
        out[line[:cut].strip()] = line[cut + 1:].strip()
    return out


def read_properties(path: str | Path) -> dict[str, str]:
    """:func:`parse_properties` of a file.

    :raises BadProperties: the file cannot be read (with the OS's reason), or a bad line.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise BadProperties(f"cannot read {path}: {reason}") from None
    try:
        return parse_properties(text)
    except BadProperties as exc:
        raise BadProperties(f"{path}: {exc}") from None

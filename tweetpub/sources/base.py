"""What every line-oriented source yields: raw lines with their source position."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Line:
    """One input line.

    :param source: the file name as given on the command line (``-`` for stdin).
    :param file_index: position of the file in the command line (0-based).
    :param lineno: 1-based line number within the file.
    :param raw: the line without its line break; for an oversize line, only its first bytes.
    :param oversize: True when the line exceeded the size limit (``raw`` is then truncated).
    :param error: set when the file itself broke here (e.g. ``truncated-gzip``); ``raw`` is empty.
    """

    source: str
    file_index: int
    lineno: int
    raw: bytes
    oversize: bool = False
    error: str | None = None

"""Reading recorded tweet files: plain or gzip (detected by magic bytes), ``-`` for stdin.

Lines are bounded by ``max_line_bytes``: a longer line is reported once, marked ``oversize``, with
only its head kept, and reading resumes at the next line. Bytes are never decoded here; UTF-8 and
JSON validity are checked by the decoder so a bad line costs nothing to the good ones around it.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import sys
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Iterable, Iterator

from tweetcontract.defaults import DLQ_RAW_LIMIT
from tweetpub.exceptions import SourceError

logger = logging.getLogger(__name__)

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


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


def check_paths(paths: Iterable[str]) -> None:
    """Fail early, with one clear message, on files that cannot be read.

    :raises SourceError: a missing, unreadable or directory path.
    """
    for path in paths:
        if path == "-":
            continue
        if not os.path.exists(path):
            raise SourceError(f"no such file: {path}")
        if os.path.isdir(path):
            raise SourceError(f"is a directory, not a recording: {path}")
        if not os.access(path, os.R_OK):
            raise SourceError(f"cannot read {path}: permission denied")


class _Gunzip(io.RawIOBase):
    """Streaming gunzip (multi-member) that, unlike ``gzip.GzipFile``, hands out every byte it could
    decompress before a truncation or corruption, then reports end of file and sets ``problem``.

    Memory stays bounded whatever the input expands to (a gzip bomb): each step inflates at most
    ``_CHUNK`` bytes (``max_length``; the input not yet inflated waits in ``unconsumed_tail``), and the
    output is handed out from an offset instead of re-slicing, so reading is linear in the output.
    """

    def __init__(self, compressed: BinaryIO) -> None:
        self._src = compressed
        self._d = zlib.decompressobj(wbits=31)
        self._pending = memoryview(b"")
        self._tail = b""  # compressed input not yet inflated
        self._in_member = False
        self.problem: str | None = None

    def readable(self) -> bool:
        return True

    def _inflate(self) -> bytes:
        """Up to ``_CHUNK`` more bytes of output; b"" at the end of the input (``problem`` set if cut short)."""
        while True:
            data = self._tail or self._src.read(_CHUNK)
            if not data:
                if self._in_member:
                    rest = self._d.decompress(b"", _CHUNK)  # output zlib still holds back
                    if rest:
                        return rest
                    self.problem = "truncated-gzip"
                return b""
            self._in_member = True
            out = self._d.decompress(data, _CHUNK)
            self._tail = self._d.unconsumed_tail
            if self._d.eof:
                rest = self._d.unused_data
                self._in_member = False
                self._d = zlib.decompressobj(wbits=31)  # the next gzip member, if any
                # trailing zero padding is allowed after the last member
                self._tail = rest if rest.strip(b"\0") else b""
            if out:
                return out

    def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
        if not self._pending:
            if self.problem is not None:
                return 0
            try:
                self._pending = memoryview(self._inflate())
            except zlib.error as exc:
                self.problem = f"corrupt-gzip: {exc}"
                return 0
            if not self._pending:
                return 0
        n = min(len(buf), len(self._pending))
        buf[:n] = self._pending[:n]
        self._pending = self._pending[n:]  # a view: no copy of what is left
        return n

    def close(self) -> None:
        self._src.close()
        super().close()


def open_recording(path: str) -> BinaryIO:
    """Open a recording for binary reading, transparently gunzipping it when it is gzip."""
    try:
        raw: BinaryIO = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise SourceError(f"cannot open {path}: {exc.strerror}") from None
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return io.BufferedReader(_Gunzip(buffered), buffer_size=_CHUNK)  # type: ignore[return-value]
    return buffered  # type: ignore[return-value]


def iter_lines(stream: BinaryIO, source: str, file_index: int, max_line_bytes: int) -> Iterator[Line]:
    """Yield the stream's lines; a truncated last line (no newline) is yielded as is.

    A gzip file cut short (a recording still being written, a crash) or corrupt past some point
    ends with one ``Line`` whose ``error`` says so, after every line that could be read: the rest
    of the run goes on.
    """
    lineno = 0
    readline = stream.readline
    limit = max_line_bytes + 2  # room for "\r\n" on a line that is exactly at the limit
    try:
        while True:
            chunk = readline(limit)
            if not chunk:
                break
            lineno += 1
            if chunk[-1:] == b"\n" or len(chunk) < limit:
                body = chunk.rstrip(b"\r\n")
                if lineno == 1 and body[:3] == b"\xef\xbb\xbf":
                    body = body[3:]  # a UTF-8 byte order mark is not part of the JSON
                if len(body) > max_line_bytes:
                    yield Line(source, file_index, lineno, body[:DLQ_RAW_LIMIT], oversize=True)
                else:
                    yield Line(source, file_index, lineno, body)
                continue
            # Over the limit: keep the head for the dead letter, skip the rest of the line.
            head = chunk[:DLQ_RAW_LIMIT]
            while chunk and chunk[-1:] != b"\n":
                chunk = readline(_CHUNK)
            yield Line(source, file_index, lineno, head, oversize=True)
        problem = getattr(getattr(stream, "raw", None), "problem", None)
        if problem:
            raise EOFError(problem)
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        reason = str(exc).split(":")[0] if isinstance(exc, EOFError) else "unreadable"
        logger.warning("%s: %s after line %d (%s); going on with the next file", source, reason, lineno, exc)
        yield Line(source, file_index, lineno + 1, b"", error=reason)


def read_lines(paths: list[str], max_line_bytes: int) -> Iterator[Line]:
    """All lines of all files, in command-line order."""
    for index, path in enumerate(paths):
        stream = open_recording(path)
        try:
            yield from iter_lines(stream, path, index, max_line_bytes)
        finally:
            if path != "-":
                stream.close()

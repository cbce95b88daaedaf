"""``tweetpub record``: the live stream written to rotating ``.jsonl.gz`` files that ``replay`` reads.

Each line is one v2 response page as the stream sent it (``data``, ``includes``, ``matching_rules``)
plus a ``__tweetpub`` block saying where and when it was fetched (like twarc2's ``__twarc``; the
flattener ignores it). Files are written as ``<name>.jsonl.gz.part`` and renamed when rotated or
closed, so a finished file is never half-written. Inside a file, lines are grouped into gzip members
closed every few seconds: after a crash every closed member of the ``.part`` file is readable, only
the last few seconds are lost.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Callable

import tweetpub
from tweetcontract.envelope import build_dead_letter, iso_now
from tweetpub.exceptions import UsageError
from tweetpub.live.client import STREAM_ROUTE
from tweetpub.live.routing import LiveSummary
from tweetpub.live.run import LiveOptions, run_live

log = logging.getLogger(__name__)

META_KEY = "__tweetpub"
PART_SUFFIX = ".part"
DEFAULT_ROTATE_BYTES = 64 * 2**20
DEFAULT_ROTATE_SECONDS = 3600.0
DEFAULT_MEMBER_SECONDS = 5.0


class RotatingGzipWriter:
    """Appends lines to ``<dir>/<prefix>-<UTC stamp>-<seq>.jsonl.gz``, rotating by size or age.

    ``rotate_bytes`` counts uncompressed bytes. Thread-safe (one lock around every operation).
    """

    def __init__(self, out_dir: str | os.PathLike, prefix: str = "tweets", *,
                 rotate_bytes: int = DEFAULT_ROTATE_BYTES, rotate_seconds: float = DEFAULT_ROTATE_SECONDS,
                 member_seconds: float = DEFAULT_MEMBER_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if rotate_bytes <= 0 or rotate_seconds <= 0 or member_seconds <= 0:
            raise UsageError("rotation size, rotation interval and member interval must be positive")
        if not prefix or "/" in prefix or prefix.startswith("."):
            raise UsageError(f"bad file prefix {prefix!r}")
        self.dir = Path(out_dir)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create output directory {self.dir}: {exc.strerror or exc}") from None
        if not os.access(self.dir, os.W_OK):
            raise UsageError(f"output directory is not writable: {self.dir}")
        self.prefix = prefix
        self.rotate_bytes = rotate_bytes
        self.rotate_seconds = rotate_seconds
        self.member_seconds = member_seconds
        self.clock = clock
        self.lock = threading.Lock()
        self.files: list[Path] = []  # finished files, in order
        self.lines = 0
        self._seq = 0
        self._raw: BinaryIO | None = None
        self._gz: gzip.GzipFile | None = None
        self._part: Path | None = None
        self._opened_at = 0.0
        self._member_at = 0.0
        self._bytes = 0

    # file lifecycle (call with the lock held) ----------------------------------------------------
    def _open(self) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        while True:
            self._seq += 1
            final = self.dir / f"{self.prefix}-{stamp}-{self._seq:04d}.jsonl.gz"
            part = final.with_name(final.name + PART_SUFFIX)
            if not final.exists() and not part.exists():
                break
        self._raw = open(part, "xb")
        self._part = part
        self._opened_at = self._member_at = self.clock()
        self._bytes = 0
        log.info("recording to %s", part)

    def _close_member(self) -> None:
        if self._gz is not None:
            self._gz.close()  # writes the member trailer; the raw file stays open
            self._gz = None
            assert self._raw is not None
            self._raw.flush()
            os.fsync(self._raw.fileno())
        self._member_at = self.clock()

    def _finish(self) -> None:
        if self._raw is None:
            return
        self._close_member()
        self._raw.close()
        self._raw = None
        assert self._part is not None
        final = self._part.with_name(self._part.name[: -len(PART_SUFFIX)])
        if self._bytes:
            os.replace(self._part, final)
            self.files.append(final)
            log.info("finished %s (%d bytes of JSON)", final.name, self._bytes)
        else:
            self._part.unlink()
        self._part = None

    # public API ----------------------------------------------------------------------------------
    def write_line(self, line: bytes) -> None:
        """Append one line (must end with a newline)."""
        with self.lock:
            if self._raw is None:
                self._open()
            if self._gz is None:
                # mtime=0: identical content gives identical bytes (reproducible files)
                self._gz = gzip.GzipFile(fileobj=self._raw, mode="wb", compresslevel=6, mtime=0)
            self._gz.write(line)
            self._bytes += len(line)
            self.lines += 1
            self._maybe_rotate()

    def _maybe_rotate(self) -> None:
        now = self.clock()
        if self._raw is None:
            return
        if self._bytes >= self.rotate_bytes or now - self._opened_at >= self.rotate_seconds:
            self._finish()
        elif now - self._member_at >= self.member_seconds:
            self._close_member()

    def tick(self) -> None:
        """Rotate or close the gzip member on time even when no line arrives."""
        with self.lock:
            self._maybe_rotate()

    def close(self) -> None:
        with self.lock:
            self._finish()

    @property
    def current(self) -> Path | None:
        return self._part


class RecordingSink:
    """What every live source's recording shares: the rotating files, and the dead letters of messages that
    are not posts in ``<prefix>-dead-letters.jsonl`` beside them (``tweetpub-dlq/1`` objects, one per line), so
    the recordings hold only what replay should read."""

    def __init__(self, writer: RotatingGzipWriter, source: str) -> None:
        self.writer = writer
        self.source = source
        self.dead_path = writer.dir / f"{writer.prefix}-dead-letters.jsonl"
        self._dead: BinaryIO | None = None

    def dead_letter(self, reason: str, raw: bytes, number: int) -> None:
        if self._dead is None:
            self._dead = open(self.dead_path, "ab")
        self._dead.write(build_dead_letter(reason, self.source, number, raw) + b"\n")
        self._dead.flush()

    def tick(self) -> None:
        self.writer.tick()

    def close(self) -> None:
        try:
            self.writer.close()
        finally:
            if self._dead is not None:
                self._dead.close()
                self._dead = None


class RecordSink(RecordingSink):
    """A :class:`~tweetpub.live.routing.PageSink` writing the X stream's pages to a :class:`RotatingGzipWriter`."""

    def __init__(self, writer: RotatingGzipWriter, *, url: str, rule_tag: str) -> None:
        super().__init__(writer, "x")  # contract 2's source label of the X filtered stream
        self.meta = {"url": url, "version": tweetpub.__version__, "rule_tag": rule_tag}

    def write_page(self, page: dict, raw: bytes, number: int) -> int:
        record = dict(page)
        record[META_KEY] = {**self.meta, "retrieved_at": iso_now()}
        self.writer.write_line(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
        data = page.get("data")
        return len(data) if isinstance(data, list) else 1


def run_record(opts: LiveOptions, *, out_dir: str | os.PathLike, prefix: str = "tweets",
               rotate_bytes: int = DEFAULT_ROTATE_BYTES,
               rotate_seconds: float = DEFAULT_ROTATE_SECONDS) -> LiveSummary:
    """``tweetpub record``: the live filtered stream to rotating ``.jsonl.gz`` files in ``out_dir``."""
    writer = RotatingGzipWriter(out_dir, prefix, rotate_bytes=rotate_bytes, rotate_seconds=rotate_seconds)
    sink = RecordSink(writer, url=opts.api_base.rstrip("/") + STREAM_ROUTE, rule_tag=opts.rule_tag)
    summary = run_live(sink, opts)
    log.info("record: %d pages in %d files under %s", writer.lines, len(writer.files), writer.dir)
    return summary

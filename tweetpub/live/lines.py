"""Splitting a streamed HTTP body into lines, with a bound on a line's length (pure).

requests' ``iter_lines`` keeps a line that never ends in memory until it does: a stream that sends
no newline would grow it without limit. Here a line over ``max_bytes`` is cut: its head is kept for
the dead letter, the rest is dropped as it arrives, and reading resumes after its newline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

#: Default line limit of the live readers: X's largest tweet page is far below it.
DEFAULT_MAX_LINE_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class LongLine:
    """A line over the limit: ``head`` holds its first ``keep`` bytes."""

    head: bytes


def bounded_lines(chunks: Iterable[bytes], max_bytes: int = DEFAULT_MAX_LINE_BYTES,
                  keep: int = 64 * 1024) -> Iterator[bytes | LongLine]:
    """Yield each line of ``chunks`` without its ``\\n``/``\\r\\n`` (empty lines included: keep-alives),
    or a :class:`LongLine` for one over ``max_bytes``. A last line without a newline is yielded too."""
    parts: list[bytes] = []
    size = 0
    too_long: bytes | None = None  # the head of the line being dropped
    for chunk in chunks:
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start:end]
            if too_long is None:
                if size + len(piece) > max_bytes + 1:  # +1: room for a "\r" before the "\n"
                    too_long = b"".join(parts + [piece[:max(0, keep - size)]])[:keep]
                    parts, size = [], 0
                elif piece:
                    parts.append(piece)
                    size += len(piece)
            if end < 0:
                break
            if too_long is not None:
                yield LongLine(too_long)
                too_long = None
            else:
                line = b"".join(parts)
                parts, size = [], 0
                if line.endswith(b"\r"):
                    line = line[:-1]
                if len(line) > max_bytes:
                    yield LongLine(line[:keep])
                else:
                    yield line
            start = end + 1
    if too_long is not None:
        yield LongLine(too_long)
    elif parts:
        line = b"".join(parts).rstrip(b"\r")
        yield line if len(line) <= max_bytes else LongLine(line[:keep])

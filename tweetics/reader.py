"""Read a TweeTics output folder (local path, hdfs:// or webhdfs://) and resolve its counts.

``hdfs://`` URLs are read over WebHDFS (the NameNode's HTTP port: ``--webhdfs``/``WEBHDFS_URL``, else
the same host on 9870), so no JVM is needed. Files may vanish while we read (the job compacts
partitions): a missing file triggers one fresh listing of its partition.
"""

from __future__ import annotations

from datetime import datetime

import logging
import os
from pathlib import Path
from typing import Any, Iterator, Protocol
from urllib.parse import urlparse

from tweetics.exceptions import OutputError
from tweetics.resolve import Key, is_counts_file, parse_lines, resolve

logger = logging.getLogger(__name__)


class Store(Protocol):
    def list(self, path: str) -> list[tuple[str, bool]]: ...
    def read(self, path: str) -> bytes | None: ...


class LocalStore:
    """A local folder."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise OutputError(f"{root}: no such output folder")

    def list(self, path: str) -> list[tuple[str, bool]]:
        target = self.root / path
        return [(p.name, p.is_dir()) for p in target.iterdir()] if target.is_dir() else []

    def read(self, path: str) -> bytes | None:
        try:
            return (self.root / path).read_bytes()
        except FileNotFoundError:
            return None


class WebHdfsStore:
    """An HDFS folder over WebHDFS (the `hdfs` package)."""

    def __init__(self, http_url: str, root: str, user: str | None = None) -> None:
        from hdfs import InsecureClient

        self.client = InsecureClient(http_url, user=user or os.environ.get("HADOOP_USER_NAME") or "tweetics",
                                     timeout=30)
        self.root = root.rstrip("/") or "/"
        try:
            status = self.client.status(self.root, strict=False)
        except Exception as exc:  # requests/hdfs errors: unreachable NameNode
            raise OutputError(f"cannot reach WebHDFS at {http_url}: {type(exc).__name__}") from None
        if status is None or status.get("type") != "DIRECTORY":
            raise OutputError(f"{self.root}: no such output folder on HDFS")

    def list(self, path: str) -> list[tuple[str, bool]]:
        from hdfs.util import HdfsError

        try:
            return [(name, st["type"] == "DIRECTORY")
                    for name, st in self.client.list(f"{self.root}/{path}", status=True)]
        except HdfsError:
            return []

    def read(self, path: str) -> bytes | None:
        from hdfs.util import HdfsError

        try:
            with self.client.read(f"{self.root}/{path}") as stream:
                return stream.read()
        except HdfsError:
            return None


def open_store(output: str, webhdfs: str | None = None) -> Store:
    """The store for an output location: a path, ``file://``, ``hdfs://`` or ``webhdfs://``."""
    url = urlparse(output)
    if url.scheme in ("", "file"):
        return LocalStore(url.path if url.scheme else output)
    if url.scheme == "hdfs":
        http = webhdfs or os.environ.get("WEBHDFS_URL") or f"http://{url.hostname}:9870"
        return WebHdfsStore(http, url.path)
    if url.scheme == "webhdfs":
        try:
            port = url.port or 9870
        except ValueError:
            raise OutputError(f"{output}: the port must be a number") from None
        if not url.hostname:
            raise OutputError(f"{output}: no host (use webhdfs://HOST:PORT/PATH)")
        return WebHdfsStore(f"http://{url.hostname}:{port}", url.path)
    raise OutputError(f"{output}: unsupported scheme {url.scheme!r} (use a path, hdfs:// or webhdfs://)")


def _partitions(store: Store) -> Iterator[str]:
    for day, is_dir in sorted(store.list("counts")):
        if is_dir and day.startswith("date="):
            for hour, hour_dir in sorted(store.list(f"counts/{day}")):
                if hour_dir and hour.startswith("hour="):
                    yield f"counts/{day}/{hour}"


def _partition_rows(store: Store, part: str) -> list[dict[str, Any]]:
    for _attempt in range(3):
        rows: list[dict[str, Any]] = []
        for name, is_dir in store.list(part):
            if is_dir or not is_counts_file(name):
                continue
            data = store.read(f"{part}/{name}")
            if data is None:  # compacted away under us: list again
                break
            rows.extend(parse_lines(data))
        else:
            return rows
    raise OutputError(f"{part}: files keep changing while reading; try again")


def read_counts(store: Store, since_ms: int | None = None, final_only: bool = False) -> dict[Key, dict[str, Any]]:
    """Resolved rows of every window (starting at or after ``since_ms`` when given)."""
    from tweetics.intervals import HOUR_MS, parse_time, partition_start

    if not store.list("counts") and store.read("latest.json") is None:
        raise OutputError("not a tweetics output folder (no counts/ and no latest.json)")
    rows: list[dict[str, Any]] = []
    for part in _partitions(store):
        start = partition_start(part)
        if since_ms is not None and start is not None and start + HOUR_MS <= since_ms:
            continue
        rows.extend(_partition_rows(store, part))
    current = resolve(rows)
    return {k: r for k, r in current.items()
            if (since_ms is None or _window_ms(r["window_start"]) >= since_ms) and (not final_only or r.get("final"))}


def _window_ms(text: str) -> int:
    """A row's window start in epoch ms. Strict ISO-8601: data is never read as a relative age like --since;
    an unreadable time sorts first (so --since leaves it out) rather than failing the listing."""
    try:
        return int(datetime.fromisoformat(text).timestamp() * 1000)
    except ValueError:
        return -1

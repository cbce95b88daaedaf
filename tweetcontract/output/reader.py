"""One reader of an output folder: a local path or ``file://``, ``hdfs://`` (read over WebHDFS) or
``webhdfs://``/``swebhdfs://``. No JVM: HDFS is read through the NameNode's REST API (the ``hdfs`` package).

A store offers three calls on paths relative to the output folder: ``status`` (one cheap stat),
``list`` (one folder) and ``read`` (a whole file, at most :data:`MAX_FILE_BYTES`). Every failure is an
:class:`~tweetcontract.errors.OutputError` whose message fits one status or error line.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from tweetcontract.errors import OutputError, OutputMissing, UsageError
from tweetcontract.output.counts import Key, parse_lines, resolve
from tweetcontract.output.layout import COUNTS_DIR, HOUR_MS, LATEST, is_counts_file, partition_start
from tweetcontract.times import parse_utc_ms

#: A counts file or latest.json larger than this is refused rather than read into memory.
MAX_FILE_BYTES = 64 * 1024 * 1024
DEFAULT_WEBHDFS_PORT = 9870


@dataclass(frozen=True)
class Location:
    """Where an output folder is.

    :param kind: ``"local"`` or ``"webhdfs"``.
    :param root: the folder's path (local, or in HDFS).
    :param base_url: the WebHDFS HTTP base (``http://host:9870``) for kind ``webhdfs``.
    :param display: the location as shown to a user.
    """

    kind: str
    root: str
    base_url: str
    display: str


def _port(parts: Any, url: str) -> int | None:
    try:
        return parts.port
    except ValueError:  # e.g. "host:notaport"
        raise UsageError(f"bad port in {url!r}: the port must be a number") from None


def _host(hostname: str) -> str:
    return f"[{hostname}]" if ":" in hostname else hostname


def parse_location(url: str, webhdfs_url: str = "", webhdfs_port: int = DEFAULT_WEBHDFS_PORT) -> Location:
    """Read an output location: a path, ``file:///PATH``, ``webhdfs://HOST[:PORT]/PATH`` or
    ``hdfs://HOST[:PORT]/PATH``. An ``hdfs://`` URL is read through ``webhdfs_url`` when given, else
    through the NameNode's HTTP port (``webhdfs_port``) on the same host.

    :raises UsageError: with one line saying what is wrong.
    """
    if not url:
        raise UsageError("no output location (give a path, file:///PATH, webhdfs://HOST:PORT/PATH "
                         "or hdfs://HOST:PORT/PATH)")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "":
        root = os.path.abspath(url)
        return Location("local", root, "", f"file://{root}")
    path = parts.path.rstrip("/") or "/"
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise UsageError(f"a file URL must be file:///ABSOLUTE/PATH, got {url!r}")
        return Location("local", path, "", f"file://{path}")
    port = _port(parts, url)
    display = f"{scheme}://{parts.hostname or ''}{f':{port}' if port else ''}{path}"
    if scheme in ("webhdfs", "swebhdfs"):
        if not parts.hostname:
            raise UsageError(f"a webhdfs URL needs a host: {url!r}")
        http = "https" if scheme == "swebhdfs" else "http"
        return Location("webhdfs", path, f"{http}://{_host(parts.hostname)}:{port or webhdfs_port}", display)
    if scheme == "hdfs":
        if not parts.hostname:
            raise UsageError(f"an hdfs URL needs a host: {url!r}")
        if webhdfs_url:
            base = webhdfs_url.rstrip("/")
            if urlsplit(base).scheme not in ("http", "https"):
                raise UsageError(f"the WebHDFS URL must be http(s)://HOST:PORT, got {webhdfs_url!r}")
        else:
            base = f"http://{_host(parts.hostname)}:{webhdfs_port}"
        return Location("webhdfs", path, base, display)
    raise UsageError(f"unsupported location {url!r}: use a path, file:///PATH, webhdfs://HOST:PORT/PATH "
                     "or hdfs://HOST:PORT/PATH")


@dataclass(frozen=True, slots=True)
class FileStatus:
    """What a cache needs to know whether a file changed."""

    name: str
    modified: int   # ms since the epoch (HDFS modificationTime) or ns (local)
    length: int
    is_dir: bool = False


class Store(Protocol):
    """A read-only view of one output folder."""

    display: str

    def status(self, path: str) -> FileStatus | None: ...

    def list(self, path: str) -> list[FileStatus]: ...

    def read(self, path: str) -> bytes: ...


class LocalStore:
    """An output folder on the local file system (demo, tests, a mounted copy)."""

    def __init__(self, root: str, display: str | None = None) -> None:
        self.root = root
        self.display = display or f"file://{root}"

    def _path(self, path: str) -> str:
        # Only names below the root: ".." and absolute parts are dropped, never followed.
        return os.path.join(self.root, *[p for p in path.split("/") if p not in ("", ".", "..")])

    def status(self, path: str) -> FileStatus | None:
        try:
            st = os.stat(self._path(path))
        except FileNotFoundError:
            if not os.path.isdir(self.root):
                raise OutputError(f"folder {self.root} does not exist") from None
            return None
        except OSError as exc:
            raise OutputError(f"cannot stat {path}: {exc.strerror}") from None
        return FileStatus(posixpath.basename(path), st.st_mtime_ns, st.st_size, os.path.isdir(self._path(path)))

    def list(self, path: str) -> list[FileStatus]:
        try:
            with os.scandir(self._path(path)) as entries:
                out = []
                for entry in entries:
                    st = entry.stat()
                    out.append(FileStatus(entry.name, st.st_mtime_ns, st.st_size, entry.is_dir()))
                return out
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise OutputError(f"cannot list {path}: {exc.strerror}") from None

    def read(self, path: str) -> bytes:
        try:
            with open(self._path(path), "rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            raise OutputMissing(f"{path} is not there") from None
        except OSError as exc:
            raise OutputError(f"cannot read {path}: {exc.strerror}") from None
        if len(data) > MAX_FILE_BYTES:
            raise OutputError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
        return data


class WebHdfsStore:
    """An output folder in HDFS, read through the NameNode's WebHDFS REST API.

    One ``requests`` session is reused (keep-alive to the NameNode). ``timeout`` is the read timeout
    of one call; connecting gets at most a second, so a dead NameNode fails fast.
    """

    def __init__(self, base_url: str, root: str, user: str | None = None, timeout: float = 3.0,
                 display: str | None = None) -> None:
        import requests
        from hdfs import InsecureClient

        self.base_url = base_url
        self.root = root
        self.display = display or f"webhdfs://{base_url.split('://', 1)[-1]}{root}"
        user = user or os.environ.get("HADOOP_USER_NAME") or None
        self.client = InsecureClient(base_url, user=user, root=root,
                                     timeout=(min(1.0, timeout), timeout), session=requests.Session())

    def _fail(self, what: str, exc: Exception) -> OutputError:
        import requests
        from hdfs.util import HdfsError

        if isinstance(exc, HdfsError):
            detail = exc.exception or str(exc.message)[:120]
        elif isinstance(exc, requests.Timeout):
            detail = "timed out"
        elif isinstance(exc, requests.ConnectionError):
            detail = "connection refused or reset"
        else:
            detail = type(exc).__name__
        error = OutputMissing if detail == "FileNotFoundException" else OutputError
        return error(f"WebHDFS {self.base_url}: {what} failed ({detail})")

    def status(self, path: str) -> FileStatus | None:
        try:
            st = self.client.status(path, strict=False)
        except Exception as exc:  # requests, hdfs and JSON errors alike: one line, never a traceback
            raise self._fail(f"status of {path or '/'}", exc) from None
        if st is None:
            return None
        return FileStatus(posixpath.basename(path), int(st["modificationTime"]), int(st["length"]),
                          st.get("type") == "DIRECTORY")

    def list(self, path: str) -> list[FileStatus]:
        try:
            entries = self.client.list(path, status=True)
        except Exception as exc:
            error = self._fail(f"listing of {path}", exc)
            if isinstance(error, OutputMissing):
                return []
            raise error from None
        return [FileStatus(name, int(st["modificationTime"]), int(st["length"]), st.get("type") == "DIRECTORY")
                for name, st in entries]

    def read(self, path: str) -> bytes:
        try:
            with self.client.read(path, length=MAX_FILE_BYTES + 1) as reader:
                data = reader.read()
        except Exception as exc:
            raise self._fail(f"read of {path}", exc) from None
        if len(data) > MAX_FILE_BYTES:
            raise OutputError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
        return data


def open_store(location: Location, user: str | None = None, timeout: float = 3.0) -> Store:
    """The store of a parsed location."""
    if location.kind == "local":
        return LocalStore(location.root, location.display)
    return WebHdfsStore(location.base_url, location.root, user, timeout, location.display)


def _partitions(store: Store) -> list[str]:
    parts = []
    for day in sorted(store.list(COUNTS_DIR), key=lambda e: e.name):
        if day.is_dir and day.name.startswith("date="):
            for hour in sorted(store.list(f"{COUNTS_DIR}/{day.name}"), key=lambda e: e.name):
                if hour.is_dir and hour.name.startswith("hour="):
                    parts.append(f"{COUNTS_DIR}/{day.name}/{hour.name}")
    return parts


def _partition_rows(store: Store, part: str) -> tuple[list[dict[str, Any]], int]:
    """All lines of one partition; a file compacted away while we read means one fresh listing."""
    for _attempt in range(3):
        rows: list[dict[str, Any]] = []
        bad = 0
        try:
            for entry in store.list(part):
                if not entry.is_dir and is_counts_file(entry.name):
                    good, skipped = parse_lines(store.read(f"{part}/{entry.name}"))
                    rows.extend(good)
                    bad += skipped
        except OutputMissing:
            continue
        return rows, bad
    raise OutputError(f"{part}: files keep changing while reading; try again")


@dataclass
class Counts:
    """The resolved counts of an output folder, and how many lines were skipped as invalid."""

    rows: dict[Key, dict[str, Any]]
    bad_lines: int


def read_counts(store: Store, since_ms: int | None = None, final_only: bool = False) -> Counts:
    """The current line of every (window, hashtag), windows starting at or after ``since_ms`` when given.

    :raises OutputError: the folder is missing, unreachable, or not an output folder.
    """
    root = store.status("")
    if root is None or not root.is_dir:
        raise OutputError(f"{store.display}: no such output folder")
    if store.status(COUNTS_DIR) is None and store.status(LATEST) is None:
        raise OutputError(f"{store.display}: not a tweetics output folder (no counts/ and no latest.json)")
    rows: list[dict[str, Any]] = []
    bad = 0
    for part in _partitions(store):
        start = partition_start(part)
        if since_ms is not None and start is not None and start + HOUR_MS <= since_ms:
            continue
        good, skipped = _partition_rows(store, part)
        rows.extend(good)
        bad += skipped
    current = resolve(rows)
    return Counts({k: r for k, r in current.items()
                   if (since_ms is None or parse_utc_ms(r["window_start"]) >= since_ms)
                   and (not final_only or r.get("final"))}, bad)

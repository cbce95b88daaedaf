"""Readers of TweeTics output: a local folder or HDFS through WebHDFS (the ``hdfs`` package).

Both expose the same three calls, on paths relative to the output folder: ``status`` (one cheap
GETFILESTATUS / stat), ``list`` (LISTSTATUS of one partition folder) and ``read`` (a whole file).
Every failure becomes a :class:`SourceError` with a short message fit for the status line.
"""

from __future__ import annotations

import logging
import os
import posixpath
from dataclasses import dataclass
from typing import Protocol

import requests
from hdfs import InsecureClient
from hdfs.util import HdfsError

from .config import DataLocation
from .exceptions import SourceError

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 64 * 1024 * 1024  # a counts file or latest.json larger than this is refused


@dataclass(frozen=True, slots=True)
class FileStatus:
    """What the cache needs to know whether a file changed."""

    name: str
    modified: int   # ms since the epoch (HDFS modificationTime) or ns (local)
    length: int
    is_dir: bool = False


class Source(Protocol):
    """A read-only view of one TweeTics ``--output`` folder."""

    display: str

    def status(self, path: str) -> FileStatus | None: ...

    def list(self, path: str) -> list[FileStatus]: ...

    def read(self, path: str) -> bytes: ...


class LocalSource:
    """A TweeTics output folder on the local file system (demo, tests, a mounted copy)."""

    def __init__(self, root: str, display: str | None = None) -> None:
        self.root = root
        self.display = display or f"file://{root}"

    def _path(self, path: str) -> str:
        return os.path.join(self.root, *[p for p in path.split("/") if p not in ("", ".", "..")])

    def status(self, path: str) -> FileStatus | None:
        try:
            st = os.stat(self._path(path))
        except FileNotFoundError:
            if not os.path.isdir(self.root):
                raise SourceError(f"data folder {self.root} does not exist") from None
            return None
        except OSError as exc:
            raise SourceError(f"cannot stat {path}: {exc.strerror}") from None
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
            raise SourceError(f"cannot list {path}: {exc.strerror}") from None

    def read(self, path: str) -> bytes:
        try:
            with open(self._path(path), "rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror}") from None
        if len(data) > MAX_FILE_BYTES:
            raise SourceError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
        return data


class WebHdfsSource:
    """A TweeTics output folder in HDFS, read through the NameNode's WebHDFS REST API.

    One ``requests`` session is reused (keep-alive to the NameNode); only the store's refresher
    thread calls it, never a web request.
    """

    def __init__(self, base_url: str, root: str, user: str = "", timeout: float = 3.0,
                 display: str | None = None) -> None:
        self.base_url = base_url
        self.root = root
        self.display = display or f"webhdfs://{base_url.split('://', 1)[-1]}{root}"
        # (connect, read): a dead NameNode fails in a second, a slow one within ``timeout``.
        self.client = InsecureClient(base_url, user=user or None, root=root,
                                     timeout=(min(1.0, timeout), timeout), session=requests.Session())

    def _fail(self, what: str, exc: Exception) -> SourceError:
        if isinstance(exc, HdfsError):
            detail = exc.exception or str(exc.message)[:120]
        elif isinstance(exc, requests.Timeout):
            detail = "timed out"
        elif isinstance(exc, requests.ConnectionError):
            detail = "connection refused or reset"
        else:
            detail = type(exc).__name__
        return SourceError(f"WebHDFS {self.base_url}: {what} failed ({detail})")

    def status(self, path: str) -> FileStatus | None:
        try:
            st = self.client.status(path, strict=False)
        except (HdfsError, requests.RequestException, ValueError) as exc:
            raise self._fail(f"status of {path}", exc) from None
        if st is None:
            return None
        return FileStatus(posixpath.basename(path), int(st["modificationTime"]), int(st["length"]),
                          st.get("type") == "DIRECTORY")

    def list(self, path: str) -> list[FileStatus]:
        try:
            entries = self.client.list(path, status=True)
        except HdfsError as exc:
            if exc.exception == "FileNotFoundException":
                return []
            raise self._fail(f"listing of {path}", exc) from None
        except (requests.RequestException, ValueError) as exc:
            raise self._fail(f"listing of {path}", exc) from None
        return [FileStatus(name, int(st["modificationTime"]), int(st["length"]), st.get("type") == "DIRECTORY")
                for name, st in entries]

    def read(self, path: str) -> bytes:
        try:
            with self.client.read(path, length=MAX_FILE_BYTES + 1) as reader:
                data = reader.read()
        except (HdfsError, requests.RequestException, ValueError, OSError) as exc:
            raise self._fail(f"read of {path}", exc) from None
        if len(data) > MAX_FILE_BYTES:
            raise SourceError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
        return data


def open_source(location: DataLocation, user: str = "", timeout: float = 3.0) -> Source:
    """Build the reader for a parsed ``--data`` location."""
    if location.kind == "local":
        return LocalSource(location.root, location.display)
    return WebHdfsSource(location.base_url, location.root, user, timeout, location.display)

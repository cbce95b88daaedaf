"""Driver-side file I/O through Hadoop's FileSystem API (py4j), so hdfs:// and file:// behave alike.

Whole files are written to a dot-named temporary beside the target and renamed over it
(``FileContext.rename(..., OVERWRITE)``, atomic on HDFS): a reader sees the old file or the new one,
never a half-written one, and a re-run writes the same name again. Local paths use Hadoop's raw local
file system so that no ``.crc`` side files appear.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    """One name in a directory listing."""

    name: str
    is_dir: bool
    size: int


class HadoopFS:
    """A tiny file API over ``org.apache.hadoop.fs`` for one base URI (``hdfs://nn:8020/x`` or a path)."""

    def __init__(self, spark: Any, base: str) -> None:
        jvm = spark._jvm
        self._jvm = jvm
        # Each `jvm.org.apache...` chain asks the JVM about every prefix ("org.apache", "org.apache.hadoop", ...):
        # a failed Class.forName that scans every jar on the classpath, on the batch's path (~10 per batch).
        # Resolved once here instead (docs/performance.md).
        self._Path = jvm.org.apache.hadoop.fs.Path
        self._IOUtils = jvm.org.apache.commons.io.IOUtils
        self._gateway = spark.sparkContext._gateway
        conf = jvm.org.apache.hadoop.conf.Configuration(spark._jsc.hadoopConfiguration())
        conf.set("fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem")
        conf.setBoolean("fs.file.impl.disable.cache", True)
        conf.set("fs.AbstractFileSystem.file.impl", "org.apache.hadoop.fs.local.RawLocalFs")
        # Appends (metrics) on a small cluster: keep going when no spare DataNode can join the pipeline.
        conf.setBoolean("dfs.client.block.write.replace-datanode-on-failure.best-effort", True)
        conf.setBoolean("fs.hdfs.impl.disable.cache", True)  # our own client, with the settings above
        base_path = jvm.org.apache.hadoop.fs.Path(base)
        self._fs = base_path.getFileSystem(conf)
        if str(self._fs.getUri().getScheme()) == "hdfs":
            # Write with the cluster's replication, not the client default of 3 (a 1-DataNode cluster
            # would otherwise hold every file under-replicated and refuse appends).
            replication = int(self._fs.getServerDefaults(base_path).getReplication())
            if replication != int(conf.getInt("dfs.replication", 3)):
                conf.set("dfs.replication", str(replication))
                self._fs.close()
                self._fs = base_path.getFileSystem(conf)
        self.base = str(self._fs.makeQualified(base_path).toString()).rstrip("/")
        self._fc = jvm.org.apache.hadoop.fs.FileContext.getFileContext(self._fs.getUri(), conf)
        overwrite = self._gateway.new_array(jvm.org.apache.hadoop.fs.Options.Rename, 1)
        overwrite[0] = jvm.org.apache.hadoop.fs.Options.Rename.OVERWRITE
        self._overwrite = overwrite
        self._appended: set[str] = set()

    def path(self, relative: str) -> Any:
        """The Hadoop Path of ``relative`` under the base."""
        return self._Path(f"{self.base}/{relative.lstrip('/')}")

    def write_atomic(self, relative: str, data: bytes) -> None:
        """Write ``data`` to ``relative`` whole: temporary file, then rename over the target."""
        target = self.path(relative)
        tmp = self._Path(target.getParent(), f".{target.getName()}.{uuid.uuid4().hex[:8]}.tmp")
        out = self._fs.create(tmp, True)
        try:
            out.write(bytearray(data))
        finally:
            out.close()
        self._fc.rename(tmp, target, self._overwrite)

    def append(self, relative: str, data: bytes) -> None:
        """Append ``data`` (creating the file); falls back to rewrite where append is unsupported."""
        target = self.path(relative)
        if not self._fs.exists(target):
            self.write_atomic(relative, data)
            return
        if relative not in self._appended:
            self._recover_lease(target)
            self._appended.add(relative)
        try:
            out = self._fs.append(target)
        except Exception:  # py4j wraps Java errors; some file systems refuse append
            logger.warning("append to %s failed, rewriting it", relative)
            self.write_atomic(relative, self.read(relative) + data)
            return
        try:
            out.write(bytearray(data))
        finally:
            out.close()

    def _recover_lease(self, target: Any) -> None:
        """After a crash (kill -9) HDFS still holds the dead writer's lease on a file it appended to;
        recover it so that this process can append (we are the file's only writer)."""
        if not str(self._fs.getClass().getName()).endswith("DistributedFileSystem"):
            return
        try:
            if self._fs.isFileClosed(target):
                return
            for _ in range(40):
                if self._fs.recoverLease(target):
                    return
                time.sleep(0.25)
        except Exception:  # not HDFS after all, or the NameNode refused: append will tell
            logger.debug("lease recovery of %s failed", target, exc_info=True)

    def read(self, relative: str) -> bytes:
        """The whole content of ``relative``."""
        stream = self._fs.open(self.path(relative))
        try:
            return bytes(self._IOUtils.toByteArray(stream))
        finally:
            stream.close()

    def exists(self, relative: str) -> bool:
        return bool(self._fs.exists(self.path(relative)))

    def list(self, relative: str) -> list[Entry]:
        """Entries of a directory, [] when it does not exist."""
        target = self.path(relative)
        if not self._fs.exists(target):
            return []
        return [Entry(str(st.getPath().getName()), bool(st.isDirectory()), int(st.getLen()))
                for st in self._fs.listStatus(target)]

    def delete(self, relative: str, recursive: bool = False) -> None:
        self._fs.delete(self.path(relative), recursive)

    def mkdirs(self, relative: str) -> None:
        self._fs.mkdirs(self.path(relative))

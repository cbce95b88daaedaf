"""HDFS: a NameNode and a DataNode of Hadoop 3.5 with WebHDFS, run straight from Maven jars."""
from __future__ import annotations

import json
import logging
import shutil
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from . import procs
from .errors import StackError
from .toolchain import fetch, java_binary

logger = logging.getLogger(__name__)

# Hadoop's launcher scripts add these for Java 17 (HADOOP-19310); a plain `java -cp` launch must do it itself.
JPMS_OPENS = [
    "-XX:+IgnoreUnrecognizedVMOptions",
    *(f"--add-opens=java.base/{pkg}=ALL-UNNAMED" for pkg in (
        "java.io", "java.lang", "java.lang.reflect", "java.math", "java.net", "java.nio", "java.text",
        "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "java.util.regex", "java.util.zip",
        "sun.nio.ch", "sun.nio.cs", "sun.security.action", "sun.util.calendar",
    )),
    "--add-exports=java.base/sun.net.dns=ALL-UNNAMED",
    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
]

LOG4J = """\
# Written by the tweetics local stack. Hadoop 3.5 logs through reload4j (log4j 1 API).
log4j.rootLogger=INFO,RFA
log4j.appender.RFA=org.apache.log4j.RollingFileAppender
log4j.appender.RFA.File=${hadoop.log.dir}/${hadoop.log.file}
log4j.appender.RFA.MaxFileSize=20MB
log4j.appender.RFA.MaxBackupIndex=3
log4j.appender.RFA.layout=org.apache.log4j.PatternLayout
log4j.appender.RFA.layout.ConversionPattern=%d{ISO8601} %p %c: %m%n
log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR
log4j.logger.org.apache.hadoop.hdfs.StateChange=WARN
log4j.logger.org.apache.hadoop.hdfs.server.namenode.FSNamesystem.audit=WARN
"""


@dataclass(frozen=True)
class Ports:
    rpc: int
    http: int
    dn_http: int
    dn_data: int
    dn_ipc: int

    @classmethod
    def with_offset(cls, offset: int) -> "Ports":
        return cls(8020 + offset, 9870 + offset, 9864 + offset, 9866 + offset, 9867 + offset)

    def owners(self) -> dict[int, str]:
        return {self.rpc: "HDFS NameNode RPC", self.http: "HDFS NameNode HTTP/WebHDFS",
                self.dn_http: "HDFS DataNode HTTP", self.dn_data: "HDFS DataNode data transfer",
                self.dn_ipc: "HDFS DataNode IPC"}


def _site(props: dict[str, object]) -> str:
    body = "".join(f"  <property><name>{escape(k)}</name><value>{escape(str(v))}</value></property>\n" for k, v in props.items())
    return f'<?xml version="1.0"?>\n<!-- Written by the tweetics local stack. -->\n<configuration>\n{body}</configuration>\n'


def home(stack_dir: Path) -> Path:
    return stack_dir / "hdfs"


def prepare(stack_dir: Path, ports: Ports) -> None:
    """Write the configuration and format the NameNode once."""
    h = home(stack_dir)
    conf = h / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (h / "logs").mkdir(exist_ok=True)
    (conf / "core-site.xml").write_text(_site({
        "fs.defaultFS": f"hdfs://127.0.0.1:{ports.rpc}",
        "hadoop.tmp.dir": h / "tmp",
        "hadoop.http.staticuser.user": "tweetics",
    }))
    (conf / "hdfs-site.xml").write_text(_site({
        "dfs.replication": 1,
        "dfs.namenode.name.dir": f"file://{h / 'name'}",
        "dfs.datanode.data.dir": f"file://{h / 'data'}",
        "dfs.namenode.rpc-address": f"127.0.0.1:{ports.rpc}",
        "dfs.namenode.http-address": f"127.0.0.1:{ports.http}",
        "dfs.datanode.address": f"127.0.0.1:{ports.dn_data}",
        "dfs.datanode.http.address": f"127.0.0.1:{ports.dn_http}",
        "dfs.datanode.ipc.address": f"127.0.0.1:{ports.dn_ipc}",
        # WebHDFS redirects clients to the DataNode's registered name: make it loopback, not the host's DNS name.
        "dfs.datanode.hostname": "127.0.0.1",
        "dfs.namenode.datanode.registration.ip-hostname-check": "false",
        "dfs.permissions.enabled": "false",
        "dfs.webhdfs.enabled": "true",
        "dfs.namenode.safemode.extension": 0,
        "dfs.namenode.safemode.min.datanodes": 0,
        "dfs.heartbeat.interval": 1,
        # For the DataNode's own HDFS client (WebHDFS CREATE goes through it): a close() that finds the block
        # not yet reported retries after 10 ms instead of 400 ms (tweetics/job.py sets the same for Spark).
        "dfs.client.block.write.locateFollowingBlock.initial.delay.ms": 10,
        "dfs.client.block.write.locateFollowingBlock.retries": 11,
        # Small local disk is normal on laptops and CI; keep HDFS from refusing writes near the default reserve.
        "dfs.datanode.du.reserved": 0,
        "dfs.namenode.resource.du.reserved": 64 * 1024 * 1024,
    }))
    (conf / "log4j.properties").write_text(LOG4J)
    if (h / "name" / "current" / "VERSION").exists():
        return
    shutil.rmtree(h / "data", ignore_errors=True)
    proc = subprocess.run(
        _java(stack_dir, "namenode", marked=False)
        + ["org.apache.hadoop.hdfs.server.namenode.NameNode", "-format", "-nonInteractive", "-force", "-clusterid", "tweetics-local"],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise StackError(f"formatting the HDFS NameNode failed; see {h / 'logs' / 'namenode-format.log'}")
    logger.info("formatted the HDFS NameNode in %s", h / "name")


def _java(stack_dir: Path, role: str, marked: bool = True) -> list[str]:
    h = home(stack_dir)
    lib = fetch("hadoop")
    log_file = f"{role}-format.log" if not marked else f"{role}.log"
    return [
        java_binary(), "-Xms128m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true",
        *([procs.marker(stack_dir)] if marked else []),
        *JPMS_OPENS,
        f"-Dhadoop.log.dir={h / 'logs'}", f"-Dhadoop.log.file={log_file}", "-Dhadoop.root.logger=INFO,RFA",
        f"-Dlog4j.configuration=file:{h / 'conf' / 'log4j.properties'}",
        "-cp", f"{h / 'conf'}:{lib}/*",
    ]


DAEMONS = {
    "namenode": "org.apache.hadoop.hdfs.server.namenode.NameNode",
    "datanode": "org.apache.hadoop.hdfs.server.datanode.DataNode",
}


def pid_file(stack_dir: Path, role: str) -> Path:
    return home(stack_dir) / f"{role}.pid"


def log_file(stack_dir: Path, role: str) -> Path:
    return home(stack_dir) / "logs" / f"{role}.log"


def start(stack_dir: Path, role: str) -> int:
    return procs.start(f"HDFS {role}", _java(stack_dir, role) + [DAEMONS[role]], pid_file(stack_dir, role),
                       home(stack_dir) / "logs" / f"{role}.out")


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=3) as resp:
        return json.load(resp)


def namenode_ready(ports: Ports) -> bool:
    """The NameNode answers WebHDFS and is out of safe mode."""
    base = f"http://127.0.0.1:{ports.http}"
    _get_json(f"{base}/webhdfs/v1/?op=LISTSTATUS&user.name=tweetics")
    info = _get_json(f"{base}/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo")["beans"][0]
    return not info.get("Safemode")


def datanode_ready(ports: Ports) -> bool:
    """A DataNode is live and a real write + read through WebHDFS (with the DataNode redirect) works."""
    base = f"http://127.0.0.1:{ports.http}"
    state = _get_json(f"{base}/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState")["beans"][0]
    if state.get("NumLiveDataNodes", 0) < 1:
        return False
    probe = "/tmp/.stack-probe"
    req = urllib.request.Request(f"{base}/webhdfs/v1{probe}?op=CREATE&overwrite=true&user.name=tweetics", method="PUT")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(req, timeout=5)
        return False
    except urllib.error.HTTPError as exc:
        if exc.code != 307:
            return False
        location = exc.headers["Location"]
    with urllib.request.urlopen(urllib.request.Request(location, data=b"ok", method="PUT"), timeout=5) as resp:
        if resp.status != 201:
            return False
    with urllib.request.urlopen(f"{base}/webhdfs/v1{probe}?op=OPEN&user.name=tweetics", timeout=5) as resp:
        return resp.read() == b"ok"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # WebHDFS CREATE: we send the body to the DataNode ourselves
        return None

"""Build the cluster's binaries from the Go module proxy with the local Go, cached by version.

Kubernetes' own module zip leaves out ``staging/``: each ``k8s.io/X => ./staging/src/k8s.io/X`` replace is
rewritten to the published ``k8s.io/X v0.<minor>.<patch>``; etcd's server module points at its siblings
(``../api``) the same way. A warm run finds every binary in the cache and builds nothing.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import layout
from .errors import ClusterError

logger = logging.getLogger(__name__)

KUBE_BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy",
                 "kubectl", "kubeadm")
PAUSE_SOURCE = Path(__file__).with_name("pause.go")


@dataclass(frozen=True)
class Component:
    """One Go module built into one or more binaries."""

    name: str
    module: str
    version: str
    packages: tuple[str, ...]  # relative to the module root
    binaries: tuple[str, ...]
    sibling_version: str  # the published version that replaces a local ``=> ./x`` or ``=> ../x``
    ldflags: str = "-s -w"

    @property
    def dir(self) -> Path:
        return layout.cache_root() / f"{self.name}-{self.version}"

    def path(self, binary: str) -> Path:
        return self.dir / binary

    def cached(self) -> bool:
        return all(self.path(b).is_file() for b in self.binaries)


def _kube_ldflags(version: str) -> str:
    major, minor = version.lstrip("v").split(".")[:2]
    pkg = "k8s.io/component-base/version"
    return (f"-s -w -X {pkg}.gitVersion={version} -X {pkg}.gitMajor={major} -X {pkg}.gitMinor={minor} "
            f"-X {pkg}.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion={version}")


def components() -> list[Component]:
    kv = layout.KUBERNETES_VERSION
    return [
        Component("kubernetes", "k8s.io/kubernetes", kv, tuple(f"./cmd/{b}" for b in KUBE_BINARIES),
                  KUBE_BINARIES, "v0" + kv[2:], _kube_ldflags(kv)),
        Component("etcd", "go.etcd.io/etcd/server/v3", layout.ETCD_VERSION, (".",), ("etcd",), layout.ETCD_VERSION),
        Component("coredns", "github.com/coredns/coredns", layout.COREDNS_VERSION, (".",), ("coredns",),
                  layout.COREDNS_VERSION),
        Component("kube-router", "github.com/cloudnativelabs/kube-router/v2", layout.KUBE_ROUTER_VERSION,
                  ("./cmd/kube-router",), ("kube-router",), layout.KUBE_ROUTER_VERSION),
    ]


def component(name: str) -> Component:
    return next(c for c in components() if c.name == name)


def binary(name: str) -> Path:
    """The cached path of one binary (built or not)."""
    for c in components():
        if name in c.binaries:
            return c.path(name)
    if name == "pause":
        return pause_path()
    raise KeyError(name)


def go() -> str:
    found = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None)
    if not found:
        raise ClusterError("no Go toolchain found (put go on PATH, e.g. /usr/local/go/bin)")
    return found


def go_env() -> dict[str, str]:
    env = dict(os.environ, GOTOOLCHAIN="local", GOWORK="off", GOFLAGS="-mod=mod", CGO_ENABLED="0")
    env["PATH"] = f"{Path(go()).parent}:{env.get('PATH', '')}"
    return env


def _run(cmd: list[str], cwd: Path | None = None, what: str = "") -> str:
    # nice: the machine is shared and a Kubernetes build takes both cores for many minutes.
    proc = subprocess.run(["nice", "-n", "10", *cmd], cwd=cwd, env=go_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ClusterError(f"{what or cmd[1]} failed: {tail}")
    return proc.stdout


def _module_source(module: str, version: str) -> Path:
    out = _run([go(), "mod", "download", "-json", f"{module}@{version}"], what=f"downloading {module}@{version}")
    info = json.loads(out)
    if info.get("Error"):
        raise ClusterError(f"the Go module proxy does not give {module}@{version}: {info['Error']}")
    return Path(info["Dir"])


_LOCAL_REPLACE = re.compile(r"^([ \t]*(?:replace[ \t]+)?)(\S+) => \.\.?/\S+[ \t]*\n", re.M)


def published_go_mod(text: str, version: str) -> str:
    """Point every replace that names a local folder (absent from the module zip) at the published module."""
    def swap(m: re.Match[str]) -> str:
        mod = m.group(2)
        # A replace of a module nothing requires (etcd's FORBIDDEN_DEPENDENCY guards) is dropped.
        if not re.search(rf"^\s*(?:require\s+)?{re.escape(mod)} v\S+", text, re.M):
            return ""
        return f"{m.group(1)}{mod} => {mod} {version}\n"

    return _LOCAL_REPLACE.sub(swap, text)


def build(c: Component) -> float:
    """Build one component into its cache folder; returns the seconds it took."""
    started = time.monotonic()
    logger.info("building %s %s from the Go module proxy (minutes when cold)", c.name, c.version)
    src = _module_source(c.module, c.version)
    with tempfile.TemporaryDirectory(prefix=f"tweetics-{c.name}-") as tmp:
        work = Path(tmp) / "src"
        shutil.copytree(src, work)
        for p in work.rglob("*"):
            if not p.is_symlink():
                p.chmod(p.stat().st_mode | 0o200)
        gomod = work / "go.mod"
        gomod.write_text(published_go_mod(gomod.read_text(), c.sibling_version))
        part = c.dir.with_name(c.dir.name + ".part")
        shutil.rmtree(part, ignore_errors=True)
        part.mkdir(parents=True)
        # One package: name the output (go would call etcd's "server", after its module path).
        out = f"{part}/{c.binaries[0]}" if len(c.packages) == 1 else f"{part}/"
        _run([go(), "build", "-trimpath", "-ldflags", c.ldflags, "-o", out, *c.packages],
             cwd=work, what=f"building {c.name} {c.version}")
        for b in c.binaries:
            if not (part / b).is_file():
                raise ClusterError(f"building {c.name} {c.version} made no {b}")
        shutil.rmtree(c.dir, ignore_errors=True)
        part.rename(c.dir)
    took = time.monotonic() - started
    logger.info("built %s %s in %.0f s", c.name, c.version, took)
    return took


def pause_path() -> Path:
    import hashlib

    digest = hashlib.sha256(PAUSE_SOURCE.read_bytes()).hexdigest()[:12]
    return layout.cache_root() / f"pause-{digest}" / "pause"


def build_pause() -> Path:
    out = pause_path()
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="tweetics-pause-") as tmp:
            shutil.copy(PAUSE_SOURCE, Path(tmp) / "main.go")
            (Path(tmp) / "go.mod").write_text("module tweetics/pause\n\ngo 1.22\n")
            _run([go(), "build", "-trimpath", "-ldflags", "-s -w", "-o", str(out), "."], cwd=Path(tmp),
                 what="building the pause program")
    return out


def ensure(names: tuple[str, ...] | None = None) -> dict[str, float]:
    """Build whatever is missing from the cache; returns {component: seconds} for what was built."""
    built: dict[str, float] = {}
    for c in components():
        if (names is None or c.name in names) and not c.cached():
            built[c.name] = build(c)
    build_pause()
    return built

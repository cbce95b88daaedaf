"""Images in the cluster's containerd: pause and CoreDNS made here as OCI archives, the suite's from Docker."""
from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from . import build, configs, layout, oci
from .errors import ClusterError
from .kubectl import ctr
from .layout import Layout

logger = logging.getLogger(__name__)

SETTINGS = Path(__file__).resolve().parents[2] / "deploy" / "settings.env"
SUITE_KEYS = ("KAFKA_IMAGE", "HADOOP_IMAGE", "TWEETPUB_IMAGE", "TWEETICS_IMAGE", "TWEETVIZ_IMAGE")


def _archives() -> dict[str, Path]:
    pause = build.pause_path()
    coredns = build.binary("coredns")
    arch = layout.cache_root() / "images"
    return {
        configs.PAUSE_IMAGE: oci_archive(arch / f"pause-{pause.parent.name}.tar", configs.PAUSE_IMAGE,
                                         {"pause": pause}, ["/pause"], "65535:65535"),
        configs.COREDNS_IMAGE: oci_archive(arch / f"coredns-{layout.COREDNS_VERSION}.tar", configs.COREDNS_IMAGE,
                                           {"coredns": coredns}, ["/coredns"], "0:0"),
    }


def oci_archive(out: Path, name: str, files: dict[str, Path], entrypoint: list[str], user: str) -> Path:
    return out if out.exists() else oci.write_image(out, name, files, entrypoint, user)


def have(lay: Layout) -> set[str]:
    return set(ctr(lay, "images", "ls", "-q").stdout.split())


def import_own(lay: Layout) -> None:
    """The pause and CoreDNS images (made from the cached binaries), unless containerd has them."""
    present = have(lay)
    for name, tar in _archives().items():
        if name not in present:
            with tar.open("rb") as fh:
                ctr(lay, "images", "import", "-", stdin=fh)
            logger.info("imported %s", name)


def suite_images() -> list[str]:
    values = dict(line.split("=", 1) for line in SETTINGS.read_text().splitlines()
                  if "=" in line and not line.startswith("#"))
    return [values[k].strip() for k in SUITE_KEYS]


def import_suite(lay: Layout, names: list[str] | None = None) -> list[str]:
    """Copy the suite's images from the Docker engine (`make images` built them) into the cluster's containerd.

    An image whose id containerd already holds under that name is skipped, so a warm run copies nothing.
    """
    docker = shutil.which("docker")
    if not docker or subprocess.run([docker, "info"], capture_output=True).returncode != 0:
        raise ClusterError("no Docker engine answers, and the suite's images come from it (`make images` first)")
    present = have(lay)
    done = []
    for name in names or suite_images():
        probe = subprocess.run([docker, "image", "inspect", "--format", "{{.Id}}", name], capture_output=True, text=True)
        if probe.returncode != 0:
            raise ClusterError(f"the Docker engine has no image {name} (`make images` builds it)")
        image_id = probe.stdout.strip()
        label = f"{name}@{image_id}"
        # One marker per name, holding the id last imported under it: a marker per id would skip a name
        # rebuilt back to an id imported before while containerd's tag still points at a later build.
        marker = lay.state / "imported" / name.replace("/", "_").replace(":", "_")
        if name in present and marker.exists() and marker.read_text() == label:
            continue
        save = subprocess.Popen([docker, "save", name], stdout=subprocess.PIPE)
        try:
            ctr(lay, "images", "import", "-", stdin=save.stdout)
        finally:
            assert save.stdout is not None
            save.stdout.close()
            save.wait()
        if save.returncode != 0:
            raise ClusterError(f"`docker save {name}` failed")
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(label)
        logger.info("imported %s", name)
        done.append(name)
    return done

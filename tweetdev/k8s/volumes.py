"""The default StorageClass's volumes: a pool of ``local`` PersistentVolumes in folders on the node.

A claim binds one when its pod is scheduled (WaitForFirstConsumer). No provisioner runs in this cluster, so
a small keeper loop (started by ``make k8s-up``) wipes a Released volume's folder and makes it Available
again, and keeps POOL volumes free, the way a dynamic provisioner would look to the workloads.
"""
from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from . import addons
from .errors import ClusterError
from .kubectl import kubectl, kubectl_json
from .layout import Layout

logger = logging.getLogger(__name__)

POOL = 8  # free volumes kept ready; the all-in-k8s overlay claims 6 at once (3 Kafka, 2 HDFS, recordings)


def _ours(lay: Layout) -> list[dict]:
    pvs = kubectl_json(lay, "get", "pv", "-l", "app.kubernetes.io/managed-by=tweetics-k8s")["items"]
    return [pv for pv in pvs if pv["spec"].get("storageClassName") == addons.STORAGE_CLASS]


def _wipe(folder: Path) -> None:
    for child in folder.iterdir() if folder.exists() else []:
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def reconcile(lay: Layout) -> int:
    """Recycle Released volumes and top the pool up; returns how many volumes it changed."""
    changed = 0
    pvs = _ours(lay)
    for pv in pvs:
        if pv.get("status", {}).get("phase") == "Released":
            path = Path(pv["spec"]["local"]["path"])
            _wipe(path)
            kubectl(lay, "patch", "pv", pv["metadata"]["name"], "--type=json",
                    "-p", '[{"op":"remove","path":"/spec/claimRef"}]', check=False)
            logger.info("recycled %s", pv["metadata"]["name"])
            changed += 1
    free = sum(1 for pv in pvs if pv.get("status", {}).get("phase") in ("Available", "Released", None)
               and not pv["spec"].get("claimRef"))
    names = {pv["metadata"]["name"] for pv in pvs}
    n = 0
    while free < POOL:
        n += 1
        name = f"tweetics-local-{n:03d}"
        if name in names:
            continue
        folder = lay.volumes / name
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o777)  # like a fresh disk a provisioner hands out; fsGroup then sets the group
        kubectl(lay, "apply", "-f", "-", stdin=addons.persistent_volume(name, str(folder)))
        free += 1
        changed += 1
    return changed


def keep(lay: Layout, every: float = 5.0) -> None:
    """The keeper loop (a host process with its own pid file); stops on SIGTERM."""
    while True:
        try:
            reconcile(lay)
        except ClusterError as e:
            logger.warning("volume keeper: %s", e)
        time.sleep(every)

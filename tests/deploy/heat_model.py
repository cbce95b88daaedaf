"""Load HOT templates and environments the way Heat does (dates stay strings) and walk them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import yaml

from .conftest import ROOT

HEAT = ROOT / "heat"
TEMPLATES = sorted(p.name for p in HEAT.glob("*.yaml"))
ENVIRONMENTS = sorted(p.name for p in (HEAT / "env").glob("*.yaml"))
# Which templates each environment is used with (heat/README.md says the same).
USED_WITH = {
    "hybrid.yaml": ["network.yaml", "hdfs-metal.yaml", "spark-cluster.yaml", "tweetics-job.yaml"],
    "vms-only.yaml": ["network.yaml", "hdfs-metal.yaml", "spark-cluster.yaml", "tweetics-job.yaml"],
    "openstack.yaml": ["network.yaml", "hdfs-metal.yaml", "spark-cluster.yaml", "tweetics-job.yaml",
                       "kafka-vms.yaml"],
}
NESTED = {"hdfs-node.yaml", "spark-node.yaml", "kafka-node.yaml"}


class HeatLoader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver: `2021-04-16` is a version string to Heat."""


HeatLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def load(path: Path) -> dict[str, Any]:
    with path.open() as fh:
        return yaml.load(fh, Loader=HeatLoader)  # noqa: S506 - a SafeLoader subclass


def template(name: str) -> dict[str, Any]:
    return load(HEAT / name)


def environment(name: str) -> dict[str, Any]:
    return load(HEAT / "env" / name)


def registry(env_name: str) -> dict[str, str]:
    """Custom type -> template file name, from an environment's resource_registry."""
    out = {}
    for type_name, target in environment(env_name).get("resource_registry", {}).items():
        path = (HEAT / "env" / target).resolve()
        out[type_name] = path.relative_to(HEAT).as_posix()
    return out


def calls(node: Any, path: str = "") -> Iterator[tuple[str, Any, str]]:
    """(function, argument, where) for every single-key mapping whose key is a function."""
    if isinstance(node, dict):
        if len(node) == 1:
            (key, arg), = node.items()
            yield key, arg, path
        for key, value in node.items():
            yield from calls(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from calls(value, f"{path}[{i}]")

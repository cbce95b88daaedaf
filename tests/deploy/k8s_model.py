"""Read-only helpers over rendered Kubernetes objects (pods, labels, ports, references)."""

from __future__ import annotations

from typing import Any, Iterator

WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
# Labels the StatefulSet controller puts on each pod besides its template's.
STATEFULSET_POD_LABELS = ("statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index")


def name(obj: dict[str, Any]) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def workloads(objs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    return (o for o in objs if o["kind"] in WORKLOADS)


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["spec"]["template"]["spec"]


def pod_labels(obj: dict[str, Any]) -> list[dict[str, str]]:
    """The label sets the workload's pods carry (one per pod for a StatefulSet)."""
    base = dict(obj["spec"]["template"]["metadata"].get("labels") or {})
    if obj["kind"] != "StatefulSet":
        return [base]
    pods = []
    for i in range(obj["spec"].get("replicas", 1)):
        labels = dict(base)
        labels[STATEFULSET_POD_LABELS[0]] = f"{obj['metadata']['name']}-{i}"
        labels[STATEFULSET_POD_LABELS[1]] = str(i)
        pods.append(labels)
    return pods


def matches(selector: dict[str, Any], labels: dict[str, str], plain: bool = False) -> bool:
    """Whether labels satisfy a LabelSelector, or (plain=True) a Service's selector map."""
    if plain:
        return all(labels.get(k) == v for k, v in selector.items())
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        ok = {"In": labels.get(key) in values, "NotIn": labels.get(key) not in values,
              "Exists": key in labels, "DoesNotExist": key not in labels}[op]
        if not ok:
            return False
    return True


def selected_workloads(objs: list[dict[str, Any]], selector: dict[str, Any],
                       plain: bool = False) -> list[dict[str, Any]]:
    """Workloads with at least one pod the selector picks."""
    return [w for w in workloads(objs) if any(matches(selector, p, plain) for p in pod_labels(w))]


def containers(obj: dict[str, Any], init: bool = True) -> list[dict[str, Any]]:
    spec = pod_spec(obj)
    return list(spec.get("containers", [])) + (list(spec.get("initContainers", [])) if init else [])


def container_ports(obj: dict[str, Any]) -> dict[str, int]:
    """Port name (and str(number)) -> number over a workload's containers."""
    out: dict[str, int] = {}
    for c in containers(obj, init=False):
        for p in c.get("ports", []):
            out[str(p["containerPort"])] = p["containerPort"]
            if "name" in p:
                out[p["name"]] = p["containerPort"]
    return out


def env_refs(obj: dict[str, Any]) -> Iterator[tuple[str, str, str | None, dict[str, Any]]]:
    """(kind, name, key, container) for every ConfigMap/Secret a workload's pods read."""
    spec = pod_spec(obj)
    for c in containers(obj):
        for e in c.get("env", []):
            src = e.get("valueFrom", {})
            if "configMapKeyRef" in src:
                ref = src["configMapKeyRef"]
                yield "ConfigMap", ref["name"], ref["key"], c
            if "secretKeyRef" in src:
                ref = src["secretKeyRef"]
                yield "Secret", ref["name"], ref["key"], c
        for e in c.get("envFrom", []):
            if "configMapRef" in e:
                yield "ConfigMap", e["configMapRef"]["name"], None, c
            if "secretRef" in e:
                yield "Secret", e["secretRef"]["name"], None, c
    for v in spec.get("volumes", []):
        if "configMap" in v:
            yield "ConfigMap", v["configMap"]["name"], None, {}
        if "secret" in v:
            yield "Secret", v["secret"]["secretName"], None, {}
        if "persistentVolumeClaim" in v:
            yield "PersistentVolumeClaim", v["persistentVolumeClaim"]["claimName"], None, {}


def walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)

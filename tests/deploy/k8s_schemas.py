"""Turn kubernetes-validate's JSON schemas into self-contained files kubeconform can load offline.

kubernetes-validate (PyPI) ships the Kubernetes OpenAPI of each release as one JSON schema per
kind that points into a shared ``_definitions.json`` by an absolute ``/api/...`` reference and
carries an ``https://kubernetes.io/...`` ``$id``; kubeconform would resolve both on the internet.
This script copies, per kind, only the definitions it needs into the file's own ``$defs``.

Usage: k8s_schemas.py WHEEL OUT_DIR VERSION [VERSION ...]
Writes OUT_DIR/v<VERSION>-standalone-strict/<kind>-<group>-<version>.json, the layout of
kubeconform's ``{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}`` template.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

PREFIX = "kubernetes_validate/kubernetes-json-schema"
SHARED_REF = "/api/_definitions.json#/$defs/"
LOCAL_REF = "#/$defs/"


def _refs(node: Any, found: set[str]) -> None:
    """Collect the definition names a schema fragment refers to."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            for prefix in (SHARED_REF, LOCAL_REF):
                if ref.startswith(prefix):
                    found.add(ref[len(prefix):])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _localize(node: Any) -> Any:
    """Rewrite shared-file references to references into the document's own $defs."""
    if isinstance(node, dict):
        out = {k: _localize(v) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(SHARED_REF):
            out["$ref"] = LOCAL_REF + ref[len(SHARED_REF):]
        return out
    if isinstance(node, list):
        return [_localize(v) for v in node]
    return node


def standalone(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """Return ``schema`` with every definition it reaches embedded and no remote ``$id``."""
    needed: set[str] = set()
    todo: set[str] = set()
    _refs(schema, todo)
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        _refs(definitions[name], todo)
    out = _localize({k: v for k, v in schema.items() if k != "$id"})
    out["$defs"] = {name: _localize(definitions[name]) for name in sorted(needed)}
    return out


def convert(wheel: Path, out_dir: Path, version: str) -> int:
    """Write the standalone-strict schemas of one Kubernetes release; return how many."""
    src = f"{PREFIX}/v{version}-local-strict/"
    dest = out_dir / f"v{version}-standalone-strict"
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if n.startswith(src) and n.endswith(".json")]
        if not names:
            raise SystemExit(f"k8s_schemas: no schemas for Kubernetes {version} in {wheel}")
        definitions = json.loads(zf.read(src + "_definitions.json"))["$defs"]
        count = 0
        for name in names:
            base = name[len(src):]
            if base in ("_definitions.json", "all.json"):
                continue
            schema = json.loads(zf.read(name))
            (dest / base).write_text(json.dumps(standalone(schema, definitions)))
            count += 1
    return count


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[-3], file=sys.stderr)
        return 2
    wheel, out_dir = Path(argv[0]), Path(argv[1])
    for version in argv[2:]:
        print(f"k8s_schemas: Kubernetes {version}: {convert(wheel, out_dir, version)} schemas")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

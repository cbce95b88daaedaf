"""List what a Heat release accepts, read from the openstack-heat wheel's source.

Every resource plugin module registers its types in ``resource_mapping()`` (or
``available_resource_mapping()``), returning a dict literal of type name -> class; the HOT
versions and their intrinsic functions are the ``HOTemplate*`` classes of
``heat/engine/hot/template.py``. Nothing is imported: heat's own dependencies are not needed.

Usage: heat_types.py WHEEL OUT.json
OUT.json: {"heat_version", "resource_types": {type: {"properties", "attributes"}} (null where
the source does not list them as literals), "custom_constraints": [...],
"template_versions": {version: {"functions", "condition_functions"}}}
"""

from __future__ import annotations

import ast
import json
import re
import sys
import zipfile
from pathlib import Path

MAPPING_FUNCS = {"resource_mapping", "available_resource_mapping"}


def resource_types(source: str) -> dict[str, str]:
    """Type name -> class name, from the dicts a module's resource_mapping() functions return."""
    found: dict[str, str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name in MAPPING_FUNCS:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Dict):
                    for k, v in zip(sub.keys, sub.values):
                        if isinstance(k, ast.Constant) and isinstance(k.value, str):
                            cls = v.id if isinstance(v, ast.Name) else getattr(v, "attr", "")
                            found[k.value] = cls
    return found


def _strings(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.Tuple):
        vals = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        if len(vals) == len(node.elts) and all(isinstance(v, str) for v in vals):
            return vals
    return None


def class_schemas(source: str) -> dict[str, dict[str, object]]:
    """Per class: its base names and the PROPERTIES / ATTRIBUTES name tuples it declares."""
    out: dict[str, dict[str, object]] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        info: dict[str, object] = {"bases": [b.id if isinstance(b, ast.Name) else
                                             getattr(b, "attr", "") for b in node.bases]}
        for stmt in node.body:
            if isinstance(stmt, ast.Assign):
                names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
                for field in ("PROPERTIES", "ATTRIBUTES"):
                    if field in names and _strings(stmt.value) is not None:
                        info[field] = _strings(stmt.value)
        out[node.name] = info
    return out


def _resolve(cls: str, classes: dict[str, dict[str, object]], field: str) -> list[str] | None:
    """A class's names for field, following bases; None when the source does not say."""
    seen: set[str] = set()
    todo = [cls]
    while todo:
        name = todo.pop(0)
        if name in seen or name not in classes:
            continue
        seen.add(name)
        if field in classes[name]:
            return list(classes[name][field])  # type: ignore[arg-type]
        todo.extend(classes[name]["bases"])  # type: ignore[arg-type]
    return None


def _dict_keys(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.Dict):
        # Functions a version removed stay in its table, mapped to hot_funcs.Removed.
        return [k.value for k, v in zip(node.keys, node.values)
                if isinstance(k, ast.Constant)
                and not (isinstance(v, ast.Attribute) and v.attr == "Removed")]
    return None


def template_versions(source: str, entry_points: str) -> dict[str, dict[str, list[str]]]:
    """Per HOT version: the intrinsic and condition functions its template class accepts."""
    classes: dict[str, ast.ClassDef] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            classes[node.name] = node

    def attr(name: str, field: str) -> list[str]:
        cls = classes.get(name)
        while cls is not None:
            for stmt in cls.body:
                if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == field):
                    keys = _dict_keys(stmt.value)
                    if keys is not None:
                        return keys
            bases = [b.id for b in cls.bases if isinstance(b, ast.Name)]
            cls = classes.get(bases[0]) if bases else None
        return []

    out: dict[str, dict[str, list[str]]] = {}
    pattern = r"^heat_template_version\.([\w-]+)\s*=\s*heat\.engine\.hot\.template:(\w+)"
    for version, cls_name in re.findall(pattern, entry_points, re.M):
        out[version] = {"functions": sorted(attr(cls_name, "functions")),
                        "condition_functions": sorted(attr(cls_name, "condition_functions"))}
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: heat_types.py WHEEL OUT.json", file=sys.stderr)
        return 2
    wheel, out = Path(argv[0]), Path(argv[1])
    types: dict[str, str] = {}
    classes: dict[str, dict[str, object]] = {}
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        for name in names:
            if name.startswith("heat/engine/") and name.endswith(".py"):
                source = zf.read(name).decode()
                classes.update(class_schemas(source))
                if name.startswith("heat/engine/resources/"):
                    types.update(resource_types(source))
        template = zf.read("heat/engine/hot/template.py").decode()
        eps = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        versions = template_versions(template, zf.read(eps).decode())
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        heat_version = re.search(r"^Version: (\S+)", zf.read(meta).decode(), re.M).group(1)
        section = re.search(r"^\[heat\.constraints\]\n(.*?)(?:^\[|\Z)",
                            zf.read(eps).decode(), re.M | re.S)
        constraints = sorted(re.findall(r"^([\w.]+)\s*=", section.group(1), re.M))
    schemas = {t: {"properties": _resolve(c, classes, "PROPERTIES"),
                   "attributes": _resolve(c, classes, "ATTRIBUTES")}
               for t, c in sorted(types.items())}
    out.write_text(json.dumps({"heat_version": heat_version, "resource_types": schemas,
                               "custom_constraints": constraints,
                               "template_versions": versions}, indent=1))
    print(f"heat_types: heat {heat_version}: {len(types)} resource types, "
          f"{len(versions)} template versions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Fixtures of the observability tests: the end-to-end ``run`` (a pipeline on the session's stack) and a scraper."""
from __future__ import annotations

import urllib.request

import pytest

from tests.e2e.conftest import pytest_runtest_makereport, run  # noqa: F401  (the pipeline fixture, logs on failure)

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str, timeout: float = 5) -> Samples:
    """GET a Prometheus /metrics page and parse it with prometheus_client's own parser:
    ``{(sample name, sorted labels): value}``."""
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(url, timeout=timeout) as resp:
        assert resp.headers["Content-Type"].startswith("text/plain"), resp.headers["Content-Type"]
        text = resp.read().decode()
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def total(samples: Samples, name: str, **labels: str) -> float:
    """Sum of every sample ``name`` whose labels include ``labels``."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


@pytest.fixture
def scraper():
    return scrape


def queried_metrics() -> set[str]:
    """Every metric (sample) name the Grafana dashboard and the alert rules query."""
    import json
    import re

    import yaml

    root = __import__("pathlib").Path(__file__).resolve().parents[2] / "deploy"
    exprs = [t["expr"] for p in json.loads((root / "grafana" / "tweetics-dashboard.json").read_text())["panels"]
             for t in p.get("targets", [])]
    exprs += [r["expr"] for g in yaml.safe_load((root / "prometheus" / "alerts.yml").read_text())["groups"]
              for r in g["rules"]]
    return {m for e in exprs for m in re.findall(r"\b(tweet(?:pub|ics|viz)_[a-z_]+)", e)}


def all_cmdlines() -> str:
    """Every process's command line on this machine (what `ps` shows anyone): a secret must not be there."""
    import os
    from pathlib import Path

    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                out.append(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"))
            except OSError:
                pass
    return "\n".join(out)

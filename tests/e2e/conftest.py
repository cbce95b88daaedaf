"""Fixtures for the whole-pipeline tests: a Run on the session's stack, with its logs shown on failure."""
from __future__ import annotations

import pytest

from tweetdev.harness import Run
from tweetdev.pipeline import Pipeline


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        pipeline = getattr(item, "_pipeline", None)
        if pipeline is not None:
            for name in ("tweetpub", "tweetics", "tweetviz"):
                log = pipeline.log_dir / f"{name}.log"
                if log.exists():
                    tail = log.read_text(errors="replace").splitlines()[-40:]
                    report.sections.append((f"{name} log (last 40 lines)", "\n".join(tail)))


@pytest.fixture
def run(request, stack_env, kafka_topic, hdfs_path, tmp_path):
    """A pipeline instance: a fresh 2-partition topic and HDFS folder; every process stopped afterwards."""
    pipeline = Pipeline(tmp_path / "logs", stack_env)
    request.node._pipeline = pipeline
    r = Run(stack_env, kafka_topic(partitions=2), hdfs_path, pipeline)
    yield r
    pipeline.stop_all()


def pytest_terminal_summary(terminalreporter):
    from tests.e2e.faults import REPORT, table

    if REPORT.exists():
        import json

        rows = [json.loads(l) for l in REPORT.read_text().splitlines() if l.strip()]
        if rows:
            terminalreporter.write_sep("=", "fault injection")
            terminalreporter.write_line(table(rows))


def pytest_sessionstart(session):
    from tests.e2e.faults import REPORT

    REPORT.unlink(missing_ok=True)

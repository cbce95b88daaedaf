"""Our images, run for real on a Docker engine (`make test` starts one; `make images` builds them).

These tests never skip: without an engine or the images they fail with one line saying which make
target gives them."""
from __future__ import annotations

import subprocess
import uuid
from typing import Iterator

import pytest

from tweetdev import docker


@pytest.fixture(scope="session")
def engine() -> None:
    if not docker.answers():
        pytest.fail("no Docker engine answers: `make docker-engine` (root) starts one", pytrace=False)


def need_images(*names: str) -> None:
    missing = [n for n in names if not docker.have_images(n)]
    if missing:
        pytest.fail(f"images not built: {', '.join(docker.image(n) for n in missing)} (`make images`)", pytrace=False)


class Containers:
    """`docker run -d` on the host network, each removed afterwards (with its anonymous volumes)."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def run(self, name: str, *args: str, env: dict[str, str] | None = None, entrypoint: str | None = None) -> str:
        need_images(name)
        argv = ["run", "-d", "--network", "host", "--name", f"tweetics-test-{name}-{uuid.uuid4().hex[:8]}"]
        for k, v in (env or {}).items():
            argv += ["-e", f"{k}={v}"]
        if entrypoint:
            argv += ["--entrypoint", entrypoint]
        cid = docker.docker(*argv, docker.image(name), *args).stdout.strip()
        self.ids.append(cid)
        return cid

    def logs(self, cid: str) -> str:
        proc = docker.docker("logs", cid, check=False)
        return proc.stdout + proc.stderr

    def remove_all(self) -> None:
        for cid in self.ids:
            subprocess.run(["docker", "rm", "-f", "-v", cid], capture_output=True)


@pytest.fixture
def containers(engine) -> Iterator[Containers]:
    made = Containers()
    yield made
    made.remove_all()

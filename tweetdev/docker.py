"""The project's own images as the tests and the dev wing use them: their names (deploy/settings.env's
IMAGE_REPOSITORY, the one registry-prefix setting, and the pinned versions), whether a Docker engine
answers, whether the images are built, and waiting on a container's own health check."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SETTINGS = REPO / "deploy" / "settings.env"


def settings() -> dict[str, str]:
    out = {}
    for line in SETTINGS.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


def image(name: str) -> str:
    """Our image called ``name`` (kafka, hadoop, tweetpub, tweetviz, tweetics), as `make images` tags it."""
    s = settings()
    repo = os.environ.get("IMAGE_REPOSITORY") or s["IMAGE_REPOSITORY"]
    version = {"kafka": s["KAFKA_VERSION"], "hadoop": s["HADOOP_VERSION"]}.get(name, s["APP_VERSION"])
    return f"{repo}/{name}:{version}"


def docker(*args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:
    exe = shutil.which("docker")
    if not exe:
        raise RuntimeError("docker: no docker client on PATH")
    proc = subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args[:3])}: {proc.stderr.strip()[-300:]}")
    return proc


def answers() -> bool:
    try:
        return docker("info", timeout=10, check=False).returncode == 0
    except (OSError, RuntimeError, subprocess.TimeoutExpired):
        return False


def have_images(*names: str) -> bool:
    return all(docker("image", "inspect", image(n), check=False).returncode == 0 for n in names)


def health(container_id: str) -> str:
    """The container's health status (starting, healthy, unhealthy), or its state when it stopped."""
    state = json.loads(docker("inspect", "--format", "{{json .State}}", container_id).stdout)
    if state.get("Status") != "running":
        return state.get("Status", "gone")
    return (state.get("Health") or {}).get("Status", "none")


def wait_healthy(container_id: str, what: str, timeout: float = 420) -> None:
    """Until the image's HEALTHCHECK says ready (an unhealthy container may still get there: the check
    goes on); the container's last log lines if it never does or it stops. The timeout is a guard for a
    loaded machine, not a measurement."""
    deadline = time.monotonic() + timeout
    status = "starting"
    while time.monotonic() < deadline:
        status = health(container_id)
        if status == "healthy":
            return
        if status not in ("starting", "unhealthy", "none"):
            break
        time.sleep(1)
    logs = docker("logs", "--tail", "15", container_id, check=False)
    raise RuntimeError(f"{what} did not become healthy ({status}): {(logs.stdout + logs.stderr)[-1500:]}")

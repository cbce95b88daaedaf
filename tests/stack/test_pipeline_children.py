"""tweetdev.pipeline keeps its children's exit status even when other code starts processes meanwhile."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tweetdev.pipeline import Pipeline


def test_an_exit_status_survives_a_later_popen(tmp_path: Path) -> None:
    # A dropped Popen joins subprocess's cleanup list and the next Popen reaps its exited child; the fault
    # suite then read "no status" for a replay that had ended well (test_namenode_restart, 2026-12-01).
    pipeline = Pipeline(log_dir=tmp_path, env={})
    pipeline.start("tweetpub", [sys.executable, "-c", "raise SystemExit(3)"])
    time.sleep(1.0)
    subprocess.run(["true"], check=True)
    assert pipeline.wait("tweetpub", timeout=30) == 3


def test_kill_reaps_and_the_same_name_starts_again(tmp_path: Path) -> None:
    pipeline = Pipeline(log_dir=tmp_path, env={})
    pipeline.start("tweetics", [sys.executable, "-c", "import time; time.sleep(60)"])
    pipeline.kill("tweetics")
    pipeline.start("tweetics", [sys.executable, "-c", "import time; time.sleep(60)"])
    assert pipeline.alive("tweetics")
    assert pipeline.stop("tweetics", grace=10) == -15

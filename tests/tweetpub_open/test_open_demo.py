"""``make demo SOURCE=bluesky|mastodon`` where the stream cannot be reached: one line, exit 1, nothing started."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from tweetdev import demo


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_demo(source: str, tmp_path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("MASTODON_TOKEN", "TWEETPUB_TOKEN_FILE", "SOURCE")}
    # --dir: a stack directory of its own, so a demo that wrongly went on could not touch the shared stack
    return subprocess.run([sys.executable, "-m", "tweetdev.demo", "--source", source, "--dir", str(tmp_path / "stack")],
                          env={**base, **env}, capture_output=True, text=True, timeout=120)


def test_unreachable_bluesky_is_one_line_and_exit_1(tmp_path) -> None:
    port = closed_port()
    done = run_demo("bluesky", tmp_path, TWEETPUB_JETSTREAM_URL=f"ws://127.0.0.1:{port}")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"demo: error: cannot stream from Bluesky (Jetstream): cannot reach Jetstream at ws://127.0.0.1:{port}: "
        "ConnectionRefusedError: [Errno 111] Connection refused"]
    assert not (tmp_path / "stack").exists()  # nothing was started


def test_mastodon_without_a_token_or_unreachable_is_one_line_and_exit_1(tmp_path) -> None:
    done = run_demo("mastodon", tmp_path)
    assert done.returncode == 1 and done.stderr.strip().splitlines() == [
        "demo: error: cannot stream from Mastodon (streaming API): SOURCE=mastodon needs an access token: "
        "set MASTODON_TOKEN (or TWEETPUB_TOKEN_FILE)"]
    port = closed_port()
    done = run_demo("mastodon", tmp_path, MASTODON_TOKEN="t0k3n-never-shown", TWEETPUB_MASTODON_URL=f"http://127.0.0.1:{port}")
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1 and "t0k3n-never-shown" not in done.stderr
    assert lines[0].startswith(f"demo: error: cannot stream from Mastodon (streaming API): cannot reach the Mastodon "
                               f"server at http://127.0.0.1:{port}: ConnectionError")
    assert not (tmp_path / "stack").exists()


def test_the_live_demo_filters_tech_words_in_english_and_demo_track_overrides_it(monkeypatch) -> None:
    monkeypatch.delenv("DEMO_TRACK", raising=False)
    argv = demo.live_argv("bluesky")
    assert argv[1:4] == ["stream", "--source", "bluesky"] and argv[argv.index("--lang") + 1] == "en"
    assert "bigdata" in argv[argv.index("--track") + 1].split(",")
    monkeypatch.setenv("DEMO_TRACK", "")
    assert demo.live_argv("mastodon")[-1] == "--no-filter"

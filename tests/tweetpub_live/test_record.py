"""``record``: rotating .jsonl.gz files, crash-readable, that replay reads back unchanged."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

import pytest

from tweetdev.fakestream import OPERATIONAL_DISCONNECT, Drop, FakeXApi, Hold, Page, Raw, tweet_page
from tweetpub.config import DEFAULT_MAX_LINE_BYTES
from tweetpub.exceptions import UsageError
from tweetpub.live.client import Backoff
from tweetpub.live.record import META_KEY, PART_SUFFIX, RotatingGzipWriter, run_record
from tweetpub.live.run import LiveOptions
from tweetpub.replay.reader import read_lines
from tweetcontract.dialects import flatten_page, normalize


def read_recording(path) -> list[dict]:
    """All pages of one recorded file."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]

TAG = "tweetpub:rec"
REPO = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def lines(n: int, start: int = 0) -> list[bytes]:
    return [json.dumps({"n": i, "pad": "x" * 50}).encode() + b"\n" for i in range(start, start + n)]


def complete_members(data: bytes) -> bytes:
    """What a reader salvages from a crashed file: every gzip member that is complete."""
    out = b""
    while data:
        d = zlib.decompressobj(wbits=31)
        chunk = d.decompress(data)
        if not d.eof:
            break  # a member cut short by the crash
        out += chunk
        data = d.unused_data
    return out


# ----------------------------------------------------------------------------------------- the writer


def test_rotates_by_size_keeps_order_and_leaves_no_part_files(tmp_path: Path) -> None:
    w = RotatingGzipWriter(tmp_path, "t", rotate_bytes=1000)
    written = lines(50)
    for line in written:
        w.write_line(line)
    w.close()
    assert len(w.files) >= 4
    assert not list(tmp_path.glob("*" + PART_SUFFIX))
    assert sorted(tmp_path.iterdir()) == w.files  # names sort in write order
    read = b"".join(gzip.decompress(f.read_bytes()) for f in w.files)
    assert read == b"".join(written)
    assert all(len(gzip.decompress(f.read_bytes())) < 1000 + len(written[0]) for f in w.files)


def test_rotates_by_age_even_without_new_lines(tmp_path: Path) -> None:
    clock = Clock()
    w = RotatingGzipWriter(tmp_path, "t", rotate_seconds=60, member_seconds=5, clock=clock)
    w.write_line(b"a\n")
    clock.now = 30
    w.write_line(b"b\n")
    assert w.files == []
    clock.now = 61
    w.tick()  # a quiet stream still gets its file closed on time
    assert len(w.files) == 1 and gzip.decompress(w.files[0].read_bytes()) == b"a\nb\n"
    w.write_line(b"c\n")
    w.close()
    assert len(w.files) == 2 and gzip.decompress(w.files[1].read_bytes()) == b"c\n"


def test_a_crash_leaves_every_closed_member_readable(tmp_path: Path) -> None:
    clock = Clock()
    w = RotatingGzipWriter(tmp_path, "t", member_seconds=5, clock=clock)
    first, second = lines(20), lines(20, start=20)
    for line in first:
        w.write_line(line)
    clock.now = 6
    w.tick()  # the member is closed and fsynced
    part = w.current
    assert part is not None and part.name.endswith(".jsonl.gz" + PART_SUFFIX)
    assert gzip.decompress(part.read_bytes()) == b"".join(first)
    for line in second:
        w.write_line(line)
    w._gz.flush()  # push some of the open member to disk, as a process killed mid-member would leave it
    crashed = part.read_bytes()
    assert complete_members(crashed) == b"".join(first)
    with pytest.raises(EOFError):
        gzip.decompress(crashed)  # the open member is incomplete...
    w.close()
    assert gzip.decompress(w.files[0].read_bytes()) == b"".join(first + second)  # ...until closed


def test_bad_output_directory_is_a_usage_error(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(UsageError, match="cannot create output directory"):
        RotatingGzipWriter(f / "sub")
    with pytest.raises(UsageError):
        RotatingGzipWriter(tmp_path, rotate_bytes=0)


# ----------------------------------------------------------------------------------- record -> replay


def served_pages(api: FakeXApi) -> list[Page]:
    pages = [Page(tweet_page(n, with_place=n % 2 == 0), matching_tag=TAG) for n in range(1, 7)]
    # a retweet whose hashtags live in the referenced (included) original
    original = tweet_page(100, hashtag="kubernetes")["data"]
    rt = tweet_page(7, text="RT @user2: tweet 100 about #kubernetes in Boston", hashtag="none")
    rt["data"]["referenced_tweets"] = [{"type": "retweeted", "id": original["id"]}]
    rt["includes"]["tweets"] = [original]
    pages.append(Page(rt, matching_tag=TAG))
    return pages


def test_record_then_replay_reads_back_the_same_tweets(fake_api: FakeXApi, token: str, tmp_path: Path,
                                                       capfd) -> None:
    pages = served_pages(fake_api)
    fake_api.add_connection(*pages[:4], Raw(b"not json"), Page(OPERATIONAL_DISCONNECT), Drop())
    fake_api.add_connection(*pages[4:], Hold())
    opts = LiveOptions(["openstack", "kubernetes"], [(-71.4415, 41.986, -70.4747, 42.9041)],
                       api_base=fake_api.base_url, rule_tag=TAG, limit=len(pages), backoff=Backoff.scaled(0.01),
                       progress=False, access_level="elevated")
    summary = run_record(opts, out_dir=tmp_path / "rec", prefix="boston", rotate_bytes=2500)
    assert summary.delivered == len(pages) and summary.stopped_by == "limit"
    files = sorted((tmp_path / "rec").glob("boston-*.jsonl.gz"))
    assert len(files) >= 2 and not list((tmp_path / "rec").glob("*.part"))  # rotated, all closed

    recorded = [p for f in files for p in read_recording(f)]
    assert all(p[META_KEY]["url"].endswith("/2/tweets/search/stream") and p[META_KEY]["rule_tag"] == TAG
               for p in recorded)
    # the stream's pages, exactly (matching_rules as the server filled them), plus our metadata block
    expected_pages = [fake_api.fill_matching(p) for p in pages]
    assert [{k: v for k, v in p.items() if k != META_KEY} for p in recorded] == expected_pages

    # replay's own reader + dialect detection gives what the live stream flattened
    replayed = []
    for line in read_lines([str(f) for f in files], DEFAULT_MAX_LINE_BYTES):
        replayed += [(t.id, t.dialect, t.data) for t in normalize(json.loads(line.raw))]
    live = [(t["id"], "v2", t) for p in expected_pages for t in flatten_page(p)]
    assert replayed == live
    assert replayed[1][2]["geo"]["place"]["full_name"] == "Boston, MA"
    assert replayed[-1][2]["referenced_tweets"][0]["entities"]["hashtags"][0]["tag"] == "kubernetes"

    dead = [json.loads(x) for x in (tmp_path / "rec" / "boston-dead-letters.jsonl").read_text().splitlines()]
    assert [d["reason"] for d in dead] == ["invalid json", "operational disconnect"]
    assert all(d["schema"] == "tweetpub-dlq/1" and d["source"] == "x" for d in dead)
    out, err = capfd.readouterr()
    assert token not in out + err


def test_sigterm_stops_record_cleanly(fake_api: FakeXApi, token: str, tmp_path: Path) -> None:
    pages = served_pages(fake_api)[:3]
    fake_api.add_connection(*pages, Hold(seconds=60))
    out_dir = tmp_path / "rec"
    script = textwrap.dedent(f"""
        import logging, sys
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
        from tweetpub.live.client import Backoff
        from tweetpub.live.record import run_record
        from tweetpub.live.run import LiveOptions
        s = run_record(LiveOptions(["openstack"], [], api_base={fake_api.base_url!r}, rule_tag={TAG!r},
                                   backoff=Backoff.scaled(0.01), progress=False, duration=60),
                       out_dir={str(out_dir)!r})
        print(s.stopped_by, s.delivered)
    """)
    env = {**os.environ, "X_BEARER_TOKEN": token, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert fake_api.holding.wait(30), "the recorder never reached the stream"
        time.sleep(1.0)  # let it write the pages sent before the keep-alives
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert out.decode().split() == ["signal", "3"]
    files = sorted(out_dir.glob("tweets-*.jsonl.gz"))
    assert len(files) == 1 and not list(out_dir.glob("*.part"))
    assert [p["data"]["id"] for p in read_recording(files[0])] == [p.page["data"]["id"] for p in pages]
    assert token.encode() not in out + err
    assert b"Traceback" not in err

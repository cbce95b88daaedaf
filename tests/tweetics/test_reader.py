"""Resolution of running updates and the `tweetics counts` command on a local output folder."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tweetcontract.output.counts import resolve

REPO = Path(__file__).resolve().parents[2]


def _row(ws, tag, count, batch, final=False, we=None):
    return {"window_start": ws, "window_end": we or ws.replace(":00:00Z", ":01:00Z"), "hashtag": tag,
            "display": tag.upper(), "count": count, "trend": 1.0, "batch_id": batch, "final": final}


def test_highest_batch_id_wins_and_final_beats_running_on_a_tie():
    rows = [_row("2026-11-21T09:00:00Z", "a", 3, 5), _row("2026-11-21T09:00:00Z", "a", 1, 2),
            _row("2026-11-21T09:00:00Z", "a", 3, 5, final=True)]
    (current,) = resolve(rows).values()
    assert current["count"] == 3 and current["final"]


def _write(folder: Path, part: str, name: str, rows) -> None:
    target = folder / "counts" / part
    target.mkdir(parents=True, exist_ok=True)
    (target / name).write_text("".join(json.dumps(r) + "\n" for r in rows))


def _counts(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tweetics", "counts", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=60)


def test_counts_command_resolves_and_filters(tmp_path):
    _write(tmp_path, "date=2026-11-21/hour=09", "batch-000000001.jsonl",
           [_row("2026-11-21T09:00:00Z", "a", 1, 1), _row("2026-11-21T09:00:00Z", "b", 7, 1)])
    _write(tmp_path, "date=2026-11-21/hour=09", "batch-000000002.jsonl", [_row("2026-11-21T09:00:00Z", "a", 4, 2, True)])
    _write(tmp_path, "date=2026-11-21/hour=10", "compact-000000009.jsonl", [_row("2026-11-21T10:00:00Z", "c", 2, 8, True)])
    (tmp_path / "counts" / "date=2026-11-21" / "hour=09" / ".batch-000000003.jsonl.x.tmp").write_text("junk")
    result = _counts(str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "window_start,window_end,hashtag,count",
        "2026-11-21T09:00:00Z,2026-11-21T09:01:00Z,b,7",
        "2026-11-21T09:00:00Z,2026-11-21T09:01:00Z,a,4",
        "2026-11-21T10:00:00Z,2026-11-21T10:01:00Z,c,2"]
    since = _counts(str(tmp_path), "--since", "2026-11-21T09:30:00Z", "--format", "json")
    assert [json.loads(l)["hashtag"] for l in since.stdout.splitlines()] == ["c"]
    final = _counts(f"file://{tmp_path}", "--final-only", "--format", "json")
    assert sorted(json.loads(l)["hashtag"] for l in final.stdout.splitlines()) == ["a", "c"]


def test_counts_command_errors_are_one_line(tmp_path):
    for args in ([str(tmp_path / "missing")], [str(tmp_path)], [str(tmp_path), "--since", "yesterday-ish"],
                 ["s3://bucket/x"]):
        result = _counts(*args)
        assert result.returncode != 0
        assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("tweetics: error:"), result.stderr

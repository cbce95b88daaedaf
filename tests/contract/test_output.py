"""The output contract in code (docs/contracts.md section 4): counts lines, latest.json, the reader."""
from __future__ import annotations

import orjson
import pytest

from tweetcontract.errors import BadCountLine, OutputError, OutputMissing, UsageError
from tweetcontract.output import counts, latest, layout, reader

T0 = 1_763_715_600_000  # 2025-11-21T09:00:00Z in ms
MIN = 60_000


def _line(start_ms, tag, count, batch, final=False):
    return counts.count_line(start_ms, start_ms + MIN, tag, tag.upper(), count, 1.0, batch, final)


def test_a_written_line_passes_the_one_validation_rule_unchanged():
    line = _line(T0, "iot", 5, 3)
    assert list(line) == ["window_start", "window_end", "hashtag", "display", "count", "trend", "batch_id", "final"]
    assert counts.check_line(orjson.loads(orjson.dumps(line))) == line
    assert line["window_start"] == "2025-11-21T09:00:00Z"


@pytest.mark.parametrize("change,reason", [
    ({"window_start": "yesterday"}, "window bounds"),
    ({"window_end": "2025-11-21T09:00:00Z"}, "after window_start"),
    ({"hashtag": ""}, "hashtag"),
    ({"hashtag": "x" * 281}, "hashtag"),
    ({"count": -1}, "count"),
    ({"count": True}, "count"),
    ({"batch_id": 1.5}, "batch_id"),
    ({"final": "yes"}, "final"),
    ({"trend": float("nan")}, "trend"),
])
def test_each_broken_field_is_named(change, reason):
    with pytest.raises(BadCountLine, match=reason):
        counts.check_line({**_line(T0, "iot", 5, 3), **change})


def test_an_unusable_display_falls_back_to_the_hashtag():
    assert counts.check_line({**_line(T0, "iot", 5, 3), "display": 7})["display"] == "iot"


def test_parse_lines_keeps_the_good_and_counts_the_bad():
    data = counts.dump_lines([_line(T0, "a", 1, 1)]) + b"not json\n\n[]\n" + counts.dump_lines([_line(T0, "b", 2, 1)])
    rows, bad = counts.parse_lines(data)
    assert [r["hashtag"] for r in rows] == ["a", "b"] and bad == 2


def test_resolution_highest_batch_then_final():
    rows = [_line(T0, "a", 3, 5), _line(T0, "a", 9, 2), _line(T0, "a", 3, 5, final=True)]
    (current,) = counts.resolve(rows).values()
    assert current["count"] == 3 and current["final"] is True


def test_latest_document_keeps_the_newest_windows_and_largest_tags_and_parses_back():
    windows = [{"start": layout_time(T0 + i * MIN), "end": layout_time(T0 + (i + 1) * MIN), "final": i < 60,
                "tags": [{"hashtag": f"t{j}", "display": f"T{j}", "count": j, "trend": None} for j in range(205)]}
               for i in reversed(range(61))]
    doc = latest.latest_document(updated_at="2025-11-21T10:01:05Z", batch_id=7, watermark=None,
                                 window="1 minute", slide="1 minute", windows=windows)
    assert len(doc["windows"]) == layout.LATEST_WINDOWS and doc["windows"][0]["start"] == layout_time(T0 + MIN)
    assert len(doc["windows"][-1]["tags"]) == layout.LATEST_TAGS and doc["windows"][-1]["tags"][0]["count"] == 204
    doc["windows"][0]["tags"].append({"hashtag": "", "count": 1})  # one bad tag: skipped and counted
    parsed = latest.parse_latest(orjson.dumps(doc))
    assert parsed.batch_id == 7 and parsed.bad_tags == 1 and parsed.window == "1 minute"
    assert parsed.windows[-1].end_ms == T0 + 61 * MIN and parsed.windows[-1].final is False


@pytest.mark.parametrize("data", [b"{", b"[]", b'{"windows": {}}', b'{"windows": [], "batch_id": -1}',
                                  b'{"windows": [{"start": "x", "end": "y", "tags": []}], "batch_id": 1}'])
def test_a_broken_latest_json_is_one_typed_error(data):
    with pytest.raises(BadCountLine):
        latest.parse_latest(data)


def layout_time(ms):
    return counts.count_line(ms, ms + 1000, "x", "x", 0, None, 0, False)["window_start"]


@pytest.mark.parametrize("url,kind,root,base", [
    ("/data/out", "local", "/data/out", ""),
    ("file:///data/out/", "local", "/data/out", ""),
    ("webhdfs://nn:9871/out", "webhdfs", "/out", "http://nn:9871"),
    ("swebhdfs://nn/out", "webhdfs", "/out", "https://nn:9870"),
    ("hdfs://nn:8020/out", "webhdfs", "/out", "http://nn:9870"),
    ("hdfs://[::1]:8020/out", "webhdfs", "/out", "http://[::1]:9870"),
])
def test_locations(url, kind, root, base):
    loc = reader.parse_location(url)
    assert (loc.kind, loc.root, loc.base_url) == (kind, root, base)


@pytest.mark.parametrize("url", ["", "s3://bucket/x", "hdfs:///x", "webhdfs://nn:port/x", "file://host/x"])
def test_bad_locations_are_usage_errors(url):
    with pytest.raises(UsageError):
        reader.parse_location(url)


def test_hdfs_through_a_given_webhdfs_gateway():
    assert reader.parse_location("hdfs://nn:8020/o", "http://gw:14000/").base_url == "http://gw:14000"
    with pytest.raises(UsageError):
        reader.parse_location("hdfs://nn:8020/o", "gw:14000")


def _write(root, part_ms, name, rows):
    folder = root / layout.counts_folder(part_ms)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(counts.dump_lines(rows))


def test_read_counts_resolves_filters_and_counts_bad_lines(tmp_path):
    _write(tmp_path, T0, layout.batch_file(1), [_line(T0, "a", 1, 1), _line(T0, "b", 7, 1)])
    _write(tmp_path, T0, layout.batch_file(2), [_line(T0, "a", 4, 2, final=True)])
    _write(tmp_path, T0 + 60 * MIN, layout.compact_file(9), [_line(T0 + 60 * MIN, "c", 2, 8, final=True)])
    (tmp_path / layout.counts_folder(T0) / ".batch-000000003.jsonl.tmp").write_text("junk")
    (tmp_path / layout.counts_folder(T0) / layout.batch_file(4)).write_bytes(b"garbage\n")
    store = reader.LocalStore(str(tmp_path))
    found = reader.read_counts(store)
    assert {k[2]: r["count"] for k, r in found.rows.items()} == {"a": 4, "b": 7, "c": 2} and found.bad_lines == 1
    assert {k[2] for k in reader.read_counts(store, since_ms=T0 + 30 * MIN).rows} == {"c"}
    assert {k[2] for k in reader.read_counts(store, final_only=True).rows} == {"a", "c"}


def test_a_file_compacted_away_while_reading_means_one_fresh_listing(tmp_path):
    _write(tmp_path, T0, layout.batch_file(1), [_line(T0, "a", 1, 1)])
    _write(tmp_path, T0, layout.batch_file(2), [_line(T0, "a", 2, 2)])

    class Compacting(reader.LocalStore):
        reads = 0

        def read(self, path):
            Compacting.reads += 1
            if Compacting.reads == 1:  # the job compacts the partition between our listing and our read
                folder = tmp_path / layout.counts_folder(T0)
                for f in folder.iterdir():
                    f.unlink()
                _write(tmp_path, T0, layout.compact_file(2), [_line(T0, "a", 2, 2, final=True)])
            return super().read(path)

    found = reader.read_counts(Compacting(str(tmp_path)))
    assert [(r["count"], r["final"]) for r in found.rows.values()] == [(2, True)]


def test_missing_and_foreign_folders_are_output_errors(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        reader.read_counts(reader.LocalStore(str(tmp_path / "missing")))
    with pytest.raises(OutputError, match="not a tweetics output folder"):
        reader.read_counts(reader.LocalStore(str(tmp_path)))
    with pytest.raises(OutputMissing):
        reader.LocalStore(str(tmp_path)).read("latest.json")


def test_the_local_store_never_leaves_its_root(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "secret").write_text("x")
    with pytest.raises(OutputMissing):
        reader.LocalStore(str(tmp_path / "out")).read("../secret")

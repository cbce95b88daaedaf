"""The line reader (plain, gzip, stdin, size limit, truncation) and property-based fuzzing of
reader + decoder: no crash, and every valid tweet line comes out."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tweetpub.replay.reader import _Gunzip, iter_lines, open_recording, read_lines
from tweetcontract.decode import BadLine, decode_line


def _lines(data: bytes, limit: int = 1024) -> list:
    return list(iter_lines(io.BufferedReader(io.BytesIO(data)), "mem", 0, limit))


def test_plain_and_gzip_are_the_same(tmp_path: Path) -> None:
    body = b'{"a":1}\n{"b":2}\r\n\n{"c":3}'
    (tmp_path / "p.jsonl").write_bytes(body)
    (tmp_path / "g.whatever").write_bytes(gzip.compress(body))  # detected by magic bytes, not the name
    plain = [(l.lineno, l.raw) for l in read_lines([str(tmp_path / "p.jsonl")], 1024)]
    gz = [(l.lineno, l.raw) for l in read_lines([str(tmp_path / "g.whatever")], 1024)]
    assert plain == gz == [(1, b'{"a":1}'), (2, b'{"b":2}'), (3, b""), (4, b'{"c":3}')]


def test_multi_member_gzip(tmp_path: Path) -> None:
    (tmp_path / "m.gz").write_bytes(gzip.compress(b"1\n2\n") + gzip.compress(b"3\n"))
    assert [l.raw for l in read_lines([str(tmp_path / "m.gz")], 64)] == [b"1", b"2", b"3"]


def test_truncated_gzip_keeps_what_was_readable(tmp_path: Path) -> None:
    data = gzip.compress(b"".join(b'{"n":%d}\n' % i for i in range(2000)))
    (tmp_path / "t.gz").write_bytes(data[: len(data) // 2])
    lines = list(read_lines([str(tmp_path / "t.gz")], 1024))
    assert lines[-1].error == "truncated-gzip" and lines[-1].raw == b""
    good = [l.raw for l in lines[:-1]]
    assert len(good) > 100
    # every complete line read is right; the last one may be cut where the data ends
    assert good[:-1] == [b'{"n":%d}' % i for i in range(len(good) - 1)]


def test_oversize_line_is_flagged_and_reading_resumes() -> None:
    big = b'{"x":"' + b"a" * 5000 + b'"}'
    lines = _lines(b'{"a":1}\n' + big + b'\n{"b":2}\n', limit=1024)
    assert [(l.lineno, l.oversize) for l in lines] == [(1, False), (2, True), (3, False)]
    assert lines[1].raw == big[: len(lines[1].raw)] and lines[2].raw == b'{"b":2}'


def test_line_exactly_at_limit_is_accepted() -> None:
    line = b"x" * 1024
    assert [(l.raw, l.oversize) for l in _lines(line + b"\r\n", 1024)] == [(line, False)]
    assert _lines(line + b"y\n", 1024)[0].oversize


def test_bom_is_dropped() -> None:
    assert _lines(b'\xef\xbb\xbf{"a":1}\n')[0].raw == b'{"a":1}'


def test_stdin_gzip(tmp_path: Path) -> None:
    """`-` reads stdin, gzip or not (checked in a child process that owns its stdin)."""
    code = ("import sys; from tweetpub.replay.reader import read_lines;"
            "print(sum(1 for _ in read_lines(['-'], 1024)))")
    out = subprocess.run([sys.executable, "-c", code], input=gzip.compress(b"a\nb\nc\n"), capture_output=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == b"3"


def test_open_recording_plain(tmp_path: Path) -> None:
    (tmp_path / "x").write_bytes(b"hello\n")
    with open_recording(str(tmp_path / "x")) as fh:
        assert fh.read() == b"hello\n"


# ---- fuzzing -----------------------------------------------------------------------------------

tweet_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
valid_tweets = st.builds(
    lambda i, text, v2: {"id": str(i), "text": text, "author_id": "1"} if v2 else
    {"id": i, "id_str": str(i), "text": text, "user": {"screen_name": "u"}},
    st.integers(1, 2**63 - 1), tweet_texts, st.booleans())
garbage = st.one_of(
    st.binary(max_size=60).filter(lambda b: b"\n" not in b and b"\r" not in b),
    st.builds(lambda t: orjson.dumps(t)[: max(1, len(orjson.dumps(t)) // 2)], valid_tweets),  # truncated
    st.just(b'{"delete":{"status":{"id":1}}}'), st.just(b'{"limit":{"track":9}}'),
    st.just(b'{"id_str":"1","text":"\xc3\x28"}'), st.just(b"x" * 300),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.tuples(st.just("ok"), valid_tweets), st.tuples(st.just("bad"), garbage)), max_size=25),
       st.booleans(), st.booleans())
def test_fuzz_reader_loses_nothing_valid(items: list, gz: bool, final_newline: bool) -> None:
    raws = [orjson.dumps(x) if kind == "ok" else x for kind, x in items]
    data = b"\n".join(raws) + (b"\n" if final_newline else b"")
    if gz:
        data = gzip.compress(data)
    src = io.BufferedReader(io.BytesIO(data))
    buf = io.BufferedReader(_Gunzip(src)) if gz else src
    got_ids = []
    for line in iter_lines(buf, "fuzz", 0, 256):
        if line.oversize or not line.raw:
            continue
        try:
            got_ids += [t.id for t in decode_line(line.raw)]
        except BadLine:
            pass
    want = [str(x["id"]) for kind, x in items if kind == "ok" and len(orjson.dumps(x)) <= 256]
    # garbage lines may happen to be valid tweets too; every valid tweet must be among what came out, in order
    it = iter(got_ids)
    assert all(any(w == g for g in it) for w in want)

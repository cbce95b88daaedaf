"""The shared hashtag rules against tests/vectors/hashtags.json (tweetics must pass the same vectors)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tweetcontract.hashtags import HASHTAG_PATTERN, event_time, extract_hashtags, find_hashtags, normalize_tag

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "hashtags.json").read_text(encoding="utf-8"))


def test_vector_file_is_broad() -> None:
    assert len(VECTORS) >= 30
    assert {v["dialect"] for v in VECTORS} == {"v1.1", "v2"}
    assert all(set(v) == {"name", "dialect", "tweet", "hashtags"} for v in VECTORS)
    assert all(v["hashtags"] == sorted(v["hashtags"]) for v in VECTORS)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector(vector: dict) -> None:
    got = extract_hashtags(vector["tweet"], vector["dialect"])
    assert sorted(k for k, _ in got) == vector["hashtags"]
    assert len({k for k, _ in got}) == len(got)  # distinct per tweet


def test_original_spelling_is_kept() -> None:
    tweet = {"id_str": "1", "user": {}, "entities": {"hashtags": [{"text": "OpenStack"}, {"text": "openstack"}]}}
    assert extract_hashtags(tweet, "v1.1") == [("openstack", "OpenStack")]


def test_normalize_tag() -> None:
    assert normalize_tag("Straße") == "strasse"
    assert normalize_tag("ＰＹＴＨＯＮ") == "python"
    assert normalize_tag("ΣΟΦΟΣ") == normalize_tag("σοφος") == "σοφοσ"


def test_pattern_is_a_plain_string_with_one_group() -> None:
    import regex

    assert isinstance(HASHTAG_PATTERN, str)
    assert regex.compile(HASHTAG_PATTERN).groups == 1


def test_unknown_dialect_is_refused() -> None:
    with pytest.raises(ValueError):
        extract_hashtags({}, "v3")


def test_event_time_both_styles() -> None:
    want = datetime(2012, 2, 29, 19, 42, 2, tzinfo=timezone.utc)
    assert event_time({"created_at": "Wed Feb 29 19:42:02 +0000 2012"}, "v1.1") == want
    assert event_time({"created_at": "Wed Feb 29 21:42:02 +0200 2012"}, "v1.1") == want
    assert event_time({"created_at": "2012-02-29T19:42:02.000Z"}, "v2") == want
    with pytest.raises(ValueError):
        event_time({}, "v2")
    with pytest.raises(ValueError):
        event_time({"created_at": "Wed Foo 29 19:42:02 +0000 2012"}, "v1.1")


JAVA_CHECK = """
import java.nio.file.*; import java.util.*; import java.util.regex.*;
public class PatternCheck { public static void main(String[] a) throws Exception {
  Pattern p = Pattern.compile(Files.readString(Path.of(a[0])));
  for (String line : Files.readAllLines(Path.of(a[1]))) {
    String text = new String(Base64.getDecoder().decode(line), "UTF-8");
    Matcher m = p.matcher(text); StringBuilder out = new StringBuilder();
    while (m.find()) out.append(Base64.getEncoder().encodeToString(m.group(1).getBytes("UTF-8"))).append(' ');
    System.out.println(out.toString().trim());
  }
}}
"""


def test_java_regex_engine_agrees(tmp_path: Path) -> None:
    """The pattern text must mean the same in java.util.regex (Spark) as in `regex`."""
    import base64

    # Java 17 is a prerequisite of the whole suite (Kafka, HDFS, Spark): a missing JDK fails, never skips.
    assert shutil.which("java"), "no `java` on PATH: install Java 17 (the stack and Spark need it too)"

    texts = [v["tweet"].get("text", "") for v in VECTORS] + [
        "##x #abc#def #http://x.co ＃ｈａｓｈｔａｇ１２３ #महात्मा_१२३४ #\U00020021 &#39; a/#b #\ufe0f\u20e3"]
    (tmp_path / "pattern.txt").write_text(HASHTAG_PATTERN, encoding="utf-8")
    (tmp_path / "texts.txt").write_text("\n".join(base64.b64encode(t.encode()).decode() for t in texts))
    (tmp_path / "PatternCheck.java").write_text(JAVA_CHECK)
    out = subprocess.run(["java", str(tmp_path / "PatternCheck.java"), str(tmp_path / "pattern.txt"),
                          str(tmp_path / "texts.txt")], capture_output=True, text=True, timeout=120, check=True)
    java = [[base64.b64decode(x).decode() for x in line.split()] for line in out.stdout.splitlines()]
    assert java == [find_hashtags(t) for t in texts]

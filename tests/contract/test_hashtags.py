"""The shared hashtag rules against tests/vectors/hashtags.json (tweetics must pass the same vectors)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.contract.vectors import all_vectors, long_vectors, plain_vectors
from tweetcontract.hashtags import (DIALECTS, HASHTAG_PATTERN, MAX_TAG_LENGTH, MAX_TAGS, bounded_spellings, clean_tag,
                                    event_time, extract_hashtags, find_hashtags, normalize_query, normalize_tag,
                                    with_event_time)

VECTORS = all_vectors()


def test_vector_file_is_broad() -> None:
    plain = plain_vectors()
    assert len(plain) >= 60 and len(long_vectors()) >= 3
    assert {v["dialect"] for v in plain} == set(DIALECTS) == {"v1.1", "v2", "bluesky", "mastodon"}
    assert all(set(v) == {"name", "dialect", "tweet", "hashtags"} for v in VECTORS)
    assert all(v["hashtags"] == sorted(v["hashtags"]) for v in VECTORS)
    assert len({v["name"] for v in VECTORS}) == len(VECTORS)
    longest = max(len(v["tweet"].get("text") or v["tweet"].get("commit", {}).get("record", {}).get("text", ""))
                  for v in VECTORS)
    assert longest >= 100_000


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


def test_clean_tag_and_bounds() -> None:
    assert clean_tag("\u202e#\u200cOpen\u200bStack\u00ad\u200d") == "OpenStack"
    assert clean_tag("##tag") == "tag" and clean_tag("c#") == "c#"
    assert clean_tag("می\u200cخواهم") == "می\u200cخواهم"
    assert bounded_spellings(["x" * (MAX_TAG_LENGTH + 1), "", "\u200b", "ok"]) == ["ok"]
    assert bounded_spellings(str(i) + "t" for i in range(MAX_TAGS + 5)) == [str(i) + "t" for i in range(MAX_TAGS)]
    # the key a person types in the dashboard matches the cleaned tag
    assert normalize_query(" #Open\u200bStack\u202e ") == "openstack"


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


def test_event_time_new_dialects() -> None:
    want = datetime(2026, 11, 21, 9, 0, 0, 123000, tzinfo=timezone.utc)
    event = {"did": "d", "kind": "commit", "created_at": "2000-01-01T00:00:00Z",
             "commit": {"record": {"createdAt": "2026-11-21T09:00:00.123Z"}}}
    assert event_time(event, "bluesky") == want  # the record's time, never a top-level field
    assert event_time({"created_at": "2026-11-21T10:00:00.123+01:00"}, "mastodon") == want
    with pytest.raises(ValueError):
        event_time({"did": "d", "commit": {"record": {}}}, "bluesky")


@pytest.mark.parametrize("dialect", ["v1.1", "v2", "bluesky", "mastodon"])
def test_with_event_time_round_trips(dialect: str) -> None:
    when = datetime(2026, 11, 21, 9, 10, 11, tzinfo=timezone.utc)
    original = next(v["tweet"] for v in plain_vectors() if v["dialect"] == dialect)
    before = json.dumps(original, sort_keys=True)
    shifted = with_event_time(original, dialect, when)
    assert event_time(shifted, dialect) == when
    assert json.dumps(original, sort_keys=True) == before  # the recorded tweet is untouched
    assert extract_hashtags(shifted, dialect) == extract_hashtags(original, dialect)


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

    texts = [v["tweet"].get("text") or "" for v in VECTORS] + [
        "##x #abc#def #http://x.co ＃ｈａｓｈｔａｇ１２３ #महात्मा_१२३४ #\U00020021 &#39; a/#b #\ufe0f\u20e3"]
    (tmp_path / "pattern.txt").write_text(HASHTAG_PATTERN, encoding="utf-8")
    (tmp_path / "texts.txt").write_text("\n".join(base64.b64encode(t.encode()).decode() for t in texts))
    (tmp_path / "PatternCheck.java").write_text(JAVA_CHECK)
    out = subprocess.run(["java", str(tmp_path / "PatternCheck.java"), str(tmp_path / "pattern.txt"),
                          str(tmp_path / "texts.txt")], capture_output=True, text=True, timeout=120, check=True)
    java = [[base64.b64decode(x).decode() for x in line.split()] for line in out.stdout.splitlines()]
    assert java == [find_hashtags(t) for t in texts]


NODE_CHECK = """
import java.lang.reflect.*; import java.nio.file.*; import java.util.*; import java.util.regex.*;
public class NodeCheck { public static void main(String[] a) throws Exception {
  for (String file : a) {
    Field root = Pattern.class.getDeclaredField("root"); root.setAccessible(true);
    Set<String> kinds = new TreeSet<>();
    walk(root.get(Pattern.compile(Files.readString(Path.of(file)))), Collections.newSetFromMap(new IdentityHashMap<>()), kinds);
    System.out.println(String.join(" ", kinds));
  }
}
static void walk(Object o, Set<Object> seen, Set<String> kinds) throws Exception {
  if (o == null || !o.getClass().getName().startsWith("java.util.regex.") || !seen.add(o)) return;
  kinds.add(o.getClass().getSimpleName());
  for (Class<?> k = o.getClass(); k != null && k.getName().startsWith("java.util.regex."); k = k.getSuperclass())
    for (Field f : k.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) continue;
      f.setAccessible(true); Object v = f.get(o);
      if (v instanceof Object[] arr) { for (Object x : arr) walk(x, seen, kinds); } else walk(v, seen, kinds);
    }
}}
"""


def test_java_pattern_has_no_repeated_group(tmp_path: Path) -> None:
    """java.util.regex recurses once per repetition of a group (Pattern$Loop/Prolog, the frames of the
    StackOverflowError of issue 12), never for a repeated character class: the compiled pattern must
    hold no such node. The same walk finds them in a pattern that has one, so the check can fail."""
    assert shutil.which("java"), "no `java` on PATH: install Java 17 (the stack and Spark need it too)"
    (tmp_path / "ours.txt").write_text(HASHTAG_PATTERN, encoding="utf-8")
    (tmp_path / "bad.txt").write_text(r"#((?:\p{L}|_)*)", encoding="utf-8")
    (tmp_path / "NodeCheck.java").write_text(NODE_CHECK)
    out = subprocess.run(["java", "--add-opens", "java.base/java.util.regex=ALL-UNNAMED", str(tmp_path / "NodeCheck.java"),
                          str(tmp_path / "ours.txt"), str(tmp_path / "bad.txt")],
                         capture_output=True, text=True, timeout=120, check=True)
    ours, bad = (set(line.split()) for line in out.stdout.splitlines())
    recursive = {"Loop", "LazyLoop", "Prolog"}
    assert "CharPropertyGreedy" in ours  # the tag body: an iterative loop over one character class
    assert not ours & recursive, ours
    assert bad & recursive, bad

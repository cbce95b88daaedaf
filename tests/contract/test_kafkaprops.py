"""The Kafka properties file both tweetpub and the job read (tweetcontract.kafkaprops)."""

from __future__ import annotations

import pytest

from tweetcontract.kafkaprops import BadProperties, parse_properties, read_properties


def test_separators_comments_and_later_keys_win() -> None:
    text = "# comment\n! also a comment\n\nsecurity.protocol=SASL_SSL\nsasl.mechanism: SCRAM-SHA-512\n" \
           "sasl.jaas.config = a=b:c\nsecurity.protocol=SSL\n"
    assert parse_properties(text) == {"security.protocol": "SSL", "sasl.mechanism": "SCRAM-SHA-512",
                                      "sasl.jaas.config": "a=b:c"}


def test_the_first_separator_splits_whichever_it_is() -> None:
    assert parse_properties("ssl.endpoint: a=b") == {"ssl.endpoint": "a=b"}
    assert parse_properties("k=v:w") == {"k": "v:w"}


def test_a_bad_line_is_named_by_number_never_quoted(tmp_path) -> None:
    path = tmp_path / "client.properties"
    path.write_text("sasl.username=u\nhunter2-secret-without-separator\n")
    with pytest.raises(BadProperties) as err:
        read_properties(path)
    assert "line 2 is not key=value" in str(err.value)
    assert "hunter2" not in str(err.value)


def test_an_unreadable_file_says_why(tmp_path) -> None:
    with pytest.raises(BadProperties, match="cannot read .*No such file"):
        read_properties(tmp_path / "missing.properties")
    binary = tmp_path / "binary.properties"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(BadProperties, match="not UTF-8 text"):
        read_properties(binary)

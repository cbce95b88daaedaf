"""The tweetviz command line through click's CliRunner."""

from __future__ import annotations

from click.testing import CliRunner

from tweetviz.cli import main


def test_help_lists_the_commands_and_variables():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--data" in result.output and "webhdfs://" in result.output and "--server" in result.output


def test_bad_data_url_is_one_clear_line_and_exit_2():
    result = CliRunner().invoke(main, ["serve", "--data", "s3://bucket/x"])
    assert result.exit_code == 2
    assert "unsupported location 's3://bucket/x'" in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an escaped exception


def test_missing_data_is_a_usage_error(monkeypatch):
    monkeypatch.delenv("TWEETVIZ_DATA", raising=False)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2 and "--data" in result.output


def test_debug_is_refused_under_gunicorn(data_dir):
    result = CliRunner().invoke(main, ["serve", "--data", f"file://{data_dir}", "--debug"])
    assert result.exit_code == 2 and "--debug needs --server dev" in result.output


def test_debug_is_refused_in_production_even_on_the_dev_server(data_dir):
    result = CliRunner().invoke(main, ["serve", "--data", f"file://{data_dir}", "--debug", "--server", "dev"])
    assert result.exit_code == 2 and "debug mode is only allowed with ENV=development" in result.output


def test_check_prints_the_top_hashtags(data_dir):
    result = CliRunner().invoke(main, ["check", "--data", f"file://{data_dir}", "-n", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "state ok" in lines[0]
    assert lines[1].split() == ["200", "#OpenStack"] and lines[2].split() == ["150", "#Kubernetes"]


def test_check_of_a_missing_folder_fails_cleanly(tmp_path):
    result = CliRunner().invoke(main, ["check", "--data", f"file://{tmp_path}/missing"])
    assert result.exit_code == 1 and "does not exist" in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an escaped exception

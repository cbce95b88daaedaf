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
    lines = result.stdout.strip().splitlines()  # logs go to stderr
    assert "state ok" in lines[0]
    assert lines[1].split() == ["200", "#OpenStack"] and lines[2].split() == ["150", "#Kubernetes"]


def test_check_of_a_missing_folder_fails_cleanly(tmp_path):
    result = CliRunner().invoke(main, ["check", "--data", f"file://{tmp_path}/missing"])
    assert result.exit_code == 1 and "does not exist" in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an escaped exception


def test_check_of_an_empty_folder_exits_1_like_tweetics_counts(tmp_path):
    result = CliRunner().invoke(main, ["check", "--data", f"file://{tmp_path}"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == f"tweetviz: error: no counts in file://{tmp_path} " \
        "(an empty folder, or not TweeTics output)"


def test_click_usage_errors_are_one_line_and_exit_2():
    result = CliRunner().invoke(main, ["serve", "--port", "http"], prog_name="tweetviz", standalone_mode=True)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tweetviz: error: Invalid value for '--port'"), lines
    assert lines[0].endswith("(see 'tweetviz serve --help')") and "Usage:" not in result.output


def test_version_and_the_variables_in_help():
    assert CliRunner().invoke(main, ["--version"]).stdout.startswith("tweetviz ")
    text = " ".join(CliRunner().invoke(main, ["serve", "--help"]).stdout.split())
    for var in ("TWEETVIZ_DATA", "TWEETVIZ_WEBHDFS_URL", "TWEETVIZ_PORT", "TWEETVIZ_HDFS_USER"):
        assert f"env var: {var}" in text


def test_presenter_and_embedding_settings_reach_the_app_and_are_checked(data_dir, monkeypatch):
    import tweetviz.server as server

    built = []
    monkeypatch.setattr(server, "run_gunicorn", lambda factory, *a: built.append(factory()))
    result = CliRunner().invoke(main, ["serve", "--data", f"file://{data_dir}", "--page-title", "Boston tech",
                                       "--frame-ancestors", "https://grafana.example.org", "--present-cycle", "7",
                                       "--history-minutes", "240"])
    assert result.exit_code == 0, result.output
    config = built[0].config
    assert (config["PAGE_TITLE"], config["PRESENT_CYCLE"], config["HISTORY_MINUTES"]) == ("Boston tech", 7.0, 240)
    assert "frame-ancestors https://grafana.example.org" in built[0].test_client().get("/").headers[
        "Content-Security-Policy"]
    bad = CliRunner().invoke(main, ["serve", "--data", f"file://{data_dir}", "--frame-ancestors", "'none' 'self'"])
    assert bad.exit_code == 2 and bad.output.strip().splitlines()[-1].startswith("tweetviz: error: FRAME_ANCESTORS")

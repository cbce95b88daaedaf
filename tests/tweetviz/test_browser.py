"""End to end in real headless Chromium (Debian's, driven by Playwright) against real HDFS.

WebHDFS is reached through a TcpProxy the test owns, so "WebHDFS is down" is the proxy stopping;
the shared NameNode is never touched. Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tweetdev.harness import write_hdfs
from tweetviz import create_app
from tweetviz.sample import build_output, jsonl, latest_doc, partition, window_rows

from .helpers import LiveServer, TcpProxy, minute_now

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
TAGS = {"OpenStack": 30, "Kubernetes": 22, "Python": 15, "Docker": 11, "AWS": 8, "Boston": 6, "IoT": 4,
        "DevOps": 3, "BigData": 2, "Azure": 2}

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
]

# Collects CSP violations and page errors before any page script runs.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # `make test` installs it (`make browser`); these tests never skip, on CI or elsewhere.
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Debian chromium is missing at {CHROMIUM}: run `make browser`", pytrace=False)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def stack(hdfs_client, hdfs_path, webhdfs_url):
    """HDFS output + a proxy in front of WebHDFS + the app on a live port."""
    end = minute_now()
    files = build_output(end, 20, TAGS, batch_id=3, trends={"OpenStack": 2.0, "AWS": 0.2})
    files[f"{partition(end - 1800)}/batch-000000002.jsonl"] = jsonl(window_rows(end - 1800, {"OldTimer": 500}, 2))
    write_hdfs(hdfs_client, hdfs_path, files)
    parts = urlsplit(webhdfs_url)
    proxy = TcpProxy(parts.hostname, parts.port).start()
    made = []

    def serve(**extra):
        app = create_app({"DATA": f"webhdfs://127.0.0.1:{proxy.port}{hdfs_path}", "HDFS_USER": "tweetics",
                          "POLL_INTERVAL": 0.1, "PARTITION_INTERVAL": 0.5, "HDFS_TIMEOUT": 1.0,
                          "STREAM_MAX_SECONDS": 60.0, **extra})
        server = LiveServer(app).__enter__()
        made.append((app, server))
        return server.url

    def write(files: dict) -> None:
        write_hdfs(hdfs_client, hdfs_path, files)

    yield {"serve": serve, "write": write, "proxy": proxy, "end": end}
    for app, server in made:
        app.extensions["tweetviz"].store.stop()
        server.__exit__(None, None, None)
    proxy.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    page = context.new_page()
    page.add_init_script(WATCH)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def cloud(page) -> dict[str, dict]:
    return page.evaluate("""() => Object.fromEntries(Array.from(document.querySelectorAll('#cloud text.word'))
        .map(e => { const r = e.getBoundingClientRect();
                    return [e.dataset.key, {text: e.firstChild.nodeValue, x: e.dataset.x, y: e.dataset.y,
                                            box: [r.left, r.top, r.right, r.bottom]}]; }))""")


def wait_for_word(page, key: str, timeout: float = 10_000) -> None:
    page.wait_for_function("k => Array.from(document.querySelectorAll('#cloud text.word')).some(e => e.dataset.key === k)",
                           arg=key, timeout=timeout)


def test_page_renders_cloud_sphere_series_and_status(stack, page):
    page.goto(stack["serve"]())
    wait_for_word(page, "openstack")
    page.wait_for_selector("#series .legendtext", timeout=10_000)
    page.wait_for_selector("#sphere text.sphere-word", timeout=10_000)
    words = cloud(page)
    assert set(TAGS_KEYS) == set(words), "the 5-minute cloud shows every hashtag of the window"
    assert words["openstack"]["text"] == "#OpenStack"
    sizes = page.evaluate("() => Object.fromEntries(Array.from(document.querySelectorAll('#cloud text.word'))"
                          ".map(e => [e.dataset.key, Number(e.getAttribute('font-size'))]))")
    assert sizes["openstack"] > sizes["kubernetes"] > sizes["azure"]
    boxes = [w["box"] for w in words.values()]
    overlapping = [(a, b) for i, a in enumerate(boxes) for b in boxes[:i]
                   if a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5]
    assert not overlapping, "rendered words overlap"
    legend = page.locator("#series .legendtext").all_text_contents()
    assert legend[:3] == ["#OpenStack", "#Kubernetes", "#Python"]
    status = page.locator("#status").text_content()
    assert "Data time" in status and "webhdfs://127.0.0.1" in status and "live" in status
    assert page.locator("#stale").is_hidden()
    assert page.evaluate("window.__csp") == [] and page.errors == []
    shot(page, "tweetviz-page")


TAGS_KEYS = [k.lower() for k in TAGS]


def test_new_hashtag_written_to_hdfs_appears_without_reload(stack, page):
    page.goto(stack["serve"]())
    wait_for_word(page, "openstack")
    page.evaluate("window.__same_document = true")
    before = cloud(page)
    end = stack["end"]
    rows = window_rows(end - 60, {**TAGS, "SuddenlyFamous": 40}, 4)
    stack["write"]({f"{partition(end - 60)}/batch-000000004.jsonl": jsonl(rows),
                    "latest.json": latest_doc(rows, 4, end + 7)})
    wait_for_word(page, "suddenlyfamous")
    assert page.evaluate("window.__same_document") is True, "no reload happened"
    after = cloud(page)
    assert after["suddenlyfamous"]["text"] == "#SuddenlyFamous"
    kept = [k for k in before if (after[k]["x"], after[k]["y"]) == (before[k]["x"], before[k]["y"])]
    assert len(kept) >= len(before) - 2, "words keep their positions across updates"
    assert page.locator("#series .legendtext").first.text_content() in ("#OpenStack", "#SuddenlyFamous")
    shot(page, "tweetviz-new-tag")


def test_webhdfs_down_shows_stale_banner_keeps_data_and_recovers(stack, page):
    page.goto(stack["serve"]())
    wait_for_word(page, "openstack")
    stack["proxy"].stop()
    page.wait_for_selector("#stale:not([hidden])", timeout=10_000)
    banner = page.locator("#stale").text_content()
    assert "stale since" in banner and "WebHDFS" in banner
    assert "openstack" in cloud(page), "the last good data stays on the page"
    shot(page, "tweetviz-stale")
    stack["proxy"].start()
    page.wait_for_selector("#stale", state="hidden", timeout=10_000)


def test_untrusted_hashtag_text_is_shown_literally(stack, page):
    page.goto(stack["serve"]())
    wait_for_word(page, "openstack")
    evil = '<img src=x onerror="window.__xss=1">'
    end = stack["end"]
    rows = window_rows(end - 60, {evil: 400, **TAGS}, 5)
    stack["write"]({"latest.json": latest_doc(rows, 5, end + 8)})
    key = evil.casefold()
    wait_for_word(page, key)
    page.wait_for_function("() => document.querySelector('#series .legendtext').textContent.includes('img')",
                           timeout=10_000)
    assert cloud(page)[key]["text"] == "#" + evil
    assert page.locator("#series .legendtext").first.text_content() == "#" + evil
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("window.__xss") is None
    shot(page, "tweetviz-untrusted")


def test_window_selector_tracked_filter_pause_and_resume(stack, page):
    page.goto(stack["serve"]())
    wait_for_word(page, "openstack")
    assert "oldtimer" not in cloud(page)
    page.click("button.window[data-window='60']")
    wait_for_word(page, "oldtimer")  # only in a 30-minute-old partition file
    assert page.get_attribute("button.window[data-window='60']", "aria-pressed") == "true"
    page.check("#tracked")
    page.wait_for_function("() => !Array.from(document.querySelectorAll('#cloud text.word'))"
                           ".some(e => e.dataset.key === 'oldtimer')", timeout=10_000)
    assert set(cloud(page)) <= {"openstack", "kubernetes", "python", "docker", "aws", "iot", "devops", "bigdata",
                                "azure"}
    page.uncheck("#tracked")
    page.click("button.window[data-window='1']")
    wait_for_word(page, "openstack")
    page.click("#pause")
    assert page.locator("#status").text_content().startswith("Paused")
    end = stack["end"]
    rows = window_rows(end - 60, {"WhilePaused": 99}, 6)
    stack["write"]({"latest.json": latest_doc(rows, 6, end + 9)})
    time.sleep(1.5)  # the data changed; a paused page must not show it
    assert "whilepaused" not in cloud(page)
    page.click("#pause")
    wait_for_word(page, "whilepaused")
    shot(page, "tweetviz-controls")


def test_polling_fallback_when_streams_are_refused(stack, page):
    page.goto(stack["serve"](MAX_STREAMS=0))
    wait_for_word(page, "openstack")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('polling')",
                           timeout=10_000)
    end = stack["end"]
    rows = window_rows(end - 60, {"ViaPolling": 77}, 7)
    stack["write"]({"latest.json": latest_doc(rows, 7, end + 10)})
    wait_for_word(page, "viapolling")

"""Exploring tags in real Chromium (issue 18, items 3 and 5): a tag's panel by click and by keyboard,
the search box, the view state in the URL, the table view and the cloud as a list, a quiet live
region, local times with UTC on hover, history beyond 60 minutes, and the export of the current view.
Screenshot: build/screenshots/tag-panel.png."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from tweetviz.sample import jsonl, partition, window_rows

from .browserkit import TAGS, TRENDS, browser, clean, key, new_page, page, shot, site, wait_words  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.browser]

RANKED = sorted(TAGS, key=lambda t: (-TAGS[t], key(t)))


def facts(page) -> dict[str, str]:
    return page.evaluate("""() => { const out = {}; const dl = document.getElementById('tag-facts');
        dl.querySelectorAll('dt').forEach(dt => { out[dt.textContent] = dt.nextElementSibling.textContent; });
        return out; }""")


def panel_for(page, tag: str) -> None:
    page.wait_for_function("k => document.getElementById('tag-panel').dataset.key === k", arg=tag, timeout=20_000)


def test_click_opens_a_tags_panel_with_series_trend_baseline_and_rank(site, page):  # noqa: F811
    page.goto(site.serve())
    wait_words(page, 20)
    page.click("#cloud text.word[data-key='openstack']")
    panel_for(page, "openstack")
    page.wait_for_selector("#tag-chart .scatterlayer .trace", timeout=20_000)
    assert page.locator("#tag-title").text_content() == "#OpenStack"
    assert page.evaluate("document.activeElement.id") == "tag-title"
    got = facts(page)
    per_minute, trend = TAGS["OpenStack"], TRENDS["OpenStack"]
    assert got["Tweets in the last 5 min"] == str(5 * per_minute)
    assert got["Trend"] == f"\u25b2 rising (trend {trend:g})"
    baseline = round((per_minute + 1) / trend - 1, 2)  # the contract's trend = (count + 1) / (baseline + 1)
    assert got["Newest minute"] == (f"{per_minute} tweets, trend {trend:g} against a baseline of {baseline:g} per "
                                    "minute (the 5 minutes before)")
    assert got["Rank"] == f"1 of {len(TAGS)}" and got["Rank change"] == "= same (was 1)"
    assert got["Tweets over 1 h"] == str(20 * per_minute)  # the data holds 20 minutes
    points = page.evaluate("document.getElementById('tag-chart').data[0].y")
    assert len(points) == 60 and points[-20:] == [per_minute] * 20 and sum(points[:-20]) == 0
    assert "tag=openstack" in page.url
    shot(page, "tag-panel", "#tag-panel")
    page.keyboard.press("Escape")
    assert page.locator("#tag-panel").is_hidden()
    assert page.evaluate("document.activeElement.dataset.key") == "openstack", "focus goes back to the word"
    assert "tag=" not in page.url


def test_keyboard_moves_through_the_words_in_rank_order_and_opens_one(site, page):  # noqa: F811
    page.goto(site.serve())
    wait_words(page, 20)
    stops = page.evaluate("Array.from(document.querySelectorAll('#cloud text.word[tabindex=\"0\"]')).map(e => e.dataset.key)")
    assert stops == ["openstack"], "the cloud is one tab stop"
    page.focus("#search")
    for _ in range(12):  # tab on from the search box until the cloud has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('word')"):
            break
    assert page.evaluate("document.activeElement.dataset.key") == "openstack"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.key") == key(RANKED[2])
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.dataset.key") == key(RANKED[1])
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.dataset.key") == key(RANKED[-1])
    page.keyboard.press("Home")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    panel_for(page, key(RANKED[1]))
    assert facts(page)["Rank"] == f"2 of {len(TAGS)}"


def test_search_narrows_the_cloud_and_the_table_and_enter_opens_the_match(site, page):  # noqa: F811
    page.goto(site.serve())
    wait_words(page, 20)
    page.fill("#search", "kube")
    bright = page.evaluate("Array.from(document.querySelectorAll('#cloud text.word:not(.dim)')).map(e => e.dataset.key)")
    assert bright == ["kubernetes"]
    rows = page.evaluate("Array.from(document.querySelectorAll('#table tbody tr:not(.hidden)')).map(r => r.dataset.key)")
    assert rows == ["kubernetes"]
    page.wait_for_function("() => document.getElementById('announce').textContent === '1 hashtags match kube.'")
    page.fill("#search", "#openstack")
    bright = page.evaluate("Array.from(document.querySelectorAll('#cloud text.word:not(.dim)')).map(e => e.dataset.key)")
    assert sorted(bright) == ["openstack", "openstacksummit"]
    page.press("#search", "Enter")
    panel_for(page, "openstack")
    assert "q=%23openstack" in page.url


def test_view_state_round_trips_through_the_url(site, page, browser):  # noqa: F811
    page.goto(site.serve(HISTORY_MINUTES=360))
    wait_words(page, 20)
    page.click("button.window[data-window='15']")
    page.select_option("#range", "180")
    page.check("#tracked")
    page.click("#theme")
    page.click("#show-table")
    page.click("#table button.tag >> text=#Python")
    panel_for(page, "python")
    url = page.url
    for part in ("window=15", "range=180", "tracked=true", "theme=dark", "view=table", "tag=python"):
        assert part in url, part
    other = new_page(browser)
    other.goto(url)
    panel_for(other, "python")
    assert other.get_attribute("button.window[data-window='15']", "aria-pressed") == "true"
    assert other.input_value("#range") == "180" and other.is_checked("#tracked")
    assert other.get_attribute("html", "data-theme") == "dark" and other.is_visible("#table")
    assert other.is_hidden("#cloud")
    other.wait_for_function("() => document.querySelectorAll('#table tbody tr').length > 0")
    assert other.locator("#tag-facts dt").nth(0).text_content() == "Tweets in the last 15 min"
    # the tracked filter applies: Boston is no tracked word
    rows = other.evaluate("Array.from(document.querySelectorAll('#table tbody tr')).map(r => r.dataset.key)")
    assert "python" in rows and "boston" not in rows
    assert other.url == url
    clean(other)
    other.context.close()


def test_table_view_and_the_cloud_as_a_list_carry_the_same_data(site, page):  # noqa: F811
    page.goto(site.serve())
    wait_words(page, 20)
    items = page.evaluate("""() => Array.from(document.querySelectorAll('#cloud [role=listitem]'))
        .map(g => [Number(g.getAttribute('aria-posinset')), g.querySelector('text').getAttribute('aria-label')])""")
    assert page.get_attribute("#cloud", "role") == "list" and len(items) == len(TAGS)
    for rank, label in items:
        display = RANKED[rank - 1]
        assert label.startswith(f"#{display}: {5 * TAGS[display]} tweets, ")
    page.click("#show-table")
    assert page.is_visible("#table") and page.is_hidden("#cloud")
    rows = page.evaluate("""() => Array.from(document.querySelectorAll('#table tbody tr'))
        .map(r => Array.from(r.cells).map(c => c.textContent))""")
    assert [r[1] for r in rows] == ["#" + t for t in RANKED]
    assert [int(r[2]) for r in rows] == [5 * TAGS[t] for t in RANKED]
    assert [int(r[0]) for r in rows] == list(range(1, len(TAGS) + 1))
    assert rows[0][3] == "\u25b2 rising (trend 2.4)" and rows[RANKED.index("AWS")][3] == "\u25bc falling (trend 0.2)"
    assert page.locator("#table caption").text_content() == "Hashtags of the last 5 minutes, biggest first"


def test_live_region_stays_quiet_while_the_status_ticks(site, page):  # noqa: F811
    page.goto(site.serve())
    wait_words(page, 20)
    assert page.get_attribute("#status", "aria-live") is None
    assert page.get_attribute("#announce", "aria-live") == "polite"
    assert page.locator("#announce").text_content() == "Top hashtag of the last 5 minutes: #OpenStack, 300 tweets."
    page.evaluate("""() => { window.__spoken = 0; window.__ticks = 0;
        new MutationObserver(() => { window.__spoken += 1; }).observe(document.getElementById('announce'),
            {childList: true, characterData: true, subtree: true});
        new MutationObserver(() => { window.__ticks += 1; }).observe(document.getElementById('status'),
            {childList: true, characterData: true, subtree: true}); }""")
    for batch in (4, 5):  # new data, same top hashtag
        site.update({**TAGS, "Docker": 30 + batch}, batch=batch)
        page.wait_for_function("b => document.getElementById('status').textContent.includes('batch ' + b)", arg=batch,
                               timeout=20_000)
    page.wait_for_timeout(1500)
    assert page.evaluate("window.__ticks") >= 3 and page.evaluate("window.__spoken") == 0
    site.update({**TAGS, "Docker": 900}, batch=6)  # a new top hashtag is worth saying
    page.wait_for_function("() => document.getElementById('announce').textContent.includes('#Docker')",
                           timeout=20_000)
    assert page.evaluate("window.__spoken") <= 2


def test_times_are_local_with_utc_on_hover(site, browser):  # noqa: F811
    page = new_page(browser, timezone_id="Asia/Kolkata", locale="en-GB")
    page.goto(site.serve())
    wait_words(page, 20)
    t = page.locator("#status time")
    data_time = datetime.fromtimestamp(site.end, timezone.utc)
    local = data_time + timedelta(hours=5, minutes=30)
    assert t.get_attribute("datetime") == data_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert t.text_content().startswith(local.strftime("%H:%M:%S"))
    assert t.get_attribute("title") == data_time.strftime("%Y-%m-%d %H:%M:%S UTC")
    page.wait_for_selector("#series .xtick", timeout=20_000)
    first = page.evaluate("document.getElementById('series').data[0].x.slice(-1)[0]")
    assert first == (local - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S"), "the series is in local time too"
    clean(page)
    page.context.close()


def test_history_beyond_60_minutes_when_the_data_has_it(site, page):  # noqa: F811
    old = site.end - 150 * 60
    site.write({f"{partition(old)}/batch-000000002.jsonl": jsonl(window_rows(old, {"Ancient": 77}, 2))})
    page.goto(site.serve(HISTORY_MINUTES=240) + "/?tag=ancient&range=180")
    panel_for(page, "ancient")
    page.wait_for_function("() => document.getElementById('tag-panel').dataset.total === '77'", timeout=20_000)
    assert page.evaluate("Array.from(document.querySelectorAll('#range option')).map(o => o.value)") == \
        ["15", "60", "180"]
    points = page.evaluate("document.getElementById('tag-chart').data[0].y")
    assert len(points) == 180 and points[180 - 150] == 77 and sum(points) == 77
    page.select_option("#range", "60")
    page.wait_for_function("() => document.getElementById('tag-panel').dataset.total === '0'", timeout=20_000)
    page.wait_for_function("() => document.getElementById('series').data[0].x.length === 60", timeout=20_000)


def test_export_of_the_current_view_as_csv_and_json(site, page):  # noqa: F811
    page.goto(site.serve())
    wait_words(page, 20)
    page.click("button.window[data-window='15']")
    page.wait_for_function("() => document.getElementById('cloud-caption').textContent === 'last 15 minutes'")
    with page.expect_download() as got:
        page.click("#export-csv")
    text = open(got.value.path(), encoding="utf-8").read()
    assert got.value.suggested_filename.startswith("tweetviz-15min-") and got.value.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["display"] for r in rows] == RANKED
    assert [int(r["count"]) for r in rows] == [15 * TAGS[t] for t in RANKED]
    assert {r["display"]: float(r["trend"]) for r in rows if r["display"] in TRENDS} == TRENDS
    assert rows[0]["trend_class"] == "rising" and rows[0]["rank"] == "1" and rows[0]["previous_rank"] == "1"
    assert rows[0]["rank_change"] == "0"
    page.check("#tracked")
    page.wait_for_function("() => document.getElementById('export-json').href.includes('tracked=true')")
    with page.expect_download() as got:
        page.click("#export-json")
    doc = json.loads(open(got.value.path(), encoding="utf-8").read())
    assert doc["window"] == 15 and doc["tracked"] is True
    assert "boston" not in [t["hashtag"] for t in doc["tags"]]
    assert {t["hashtag"]: t["count"] for t in doc["tags"]}["openstack"] == 15 * TAGS["OpenStack"]

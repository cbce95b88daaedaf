"""The cloud in real Chromium (issue 18, item 1): the served proportional font and its real metrics,
overlap-free and stable, what did not fit listed, vertical words, the trend legend and shapes, and
transitions (none when the user prefers reduced motion). Screenshot: build/screenshots/cloud.png."""

from __future__ import annotations

import pytest

from tweetviz.charts import legend_stops, trend_color

from .browserkit import (MINUTES, TAGS, TRENDS, browser, clean, key, new_page, overlapping, page, scale,  # noqa: F401
                         settle, shot, site, wait_words, words)

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_cloud_is_drawn_in_the_served_proportional_font_with_the_servers_metrics(site, page):  # noqa: F811
    page.goto(site.serve(CLOUD_WORDS=22))
    wait_words(page, 10)
    assert page.evaluate("document.fonts.check('bold 20px \"Tweetviz Cloud\"')")
    shown = words(page)
    dropped = page.evaluate("Array.from(document.querySelectorAll('#dropped li')).map(li => li.dataset.key)")
    # what did not fit is listed: the 22 biggest are all there, drawn or listed, nothing else
    biggest = sorted(TAGS, key=lambda t: (-TAGS[t], key(t)))[:22]
    assert sorted(list(shown) + dropped) == sorted(key(t) for t in biggest)
    assert page.locator("#dropped-count").text_content() == f"({len(dropped)})"
    for w in shown.values():
        assert w["family"].startswith('"Tweetviz Cloud"')
        assert w["text"] == "#" + next(t for t in TAGS if key(t) == w["key"])
    # proportional: same size, same length, very different widths (a monospace font would make them equal)
    wide, narrow = shown["wwwwww"], shown["iiiiii"]
    assert wide["size"] == narrow["size"]
    assert (wide["box"][2] - wide["box"][0]) > 1.8 * (narrow["box"][2] - narrow["box"][0])
    # real metrics: every drawn word fits the box the server laid out, and fills most of it
    k = scale(page)
    for w in shown.values():
        drawn = (w["box"][2] - w["box"][0]) / k
        assert drawn <= w["boxW"] + 0.5, (w["key"], drawn, w["boxW"])
        assert drawn >= 0.9 * (w["boxW"] - 4), (w["key"], drawn, w["boxW"])  # 4: the padding
    assert not overlapping([w["box"] for w in shown.values()])
    shot(page, "cloud", "section.cloud-panel")


def test_positions_stay_when_counts_change_and_sizes_change_with_a_transition(site, page):  # noqa: F811
    page.goto(site.serve())
    wait_words(page, 20)
    before = words(page)
    site.update({**TAGS, "Python": 55, "Boston": 1}, batch=4)  # Python grows, Boston falls (newest minute)
    page.wait_for_function("""() => Array.from(document.querySelectorAll('#cloud text.word'))
        .some(e => e.getAnimations().some(a => a.transitionProperty === 'font-size'))""", timeout=15_000)
    transitions = page.evaluate("""() => Array.from(document.querySelectorAll('#cloud text.word'))
        .filter(e => e.getAnimations().some(a => a.transitionProperty === 'font-size')).map(e => e.dataset.key)""")
    assert "python" in transitions
    settle(page)
    after = words(page)
    assert after["python"]["size"] > before["python"]["size"]
    assert after["python"]["size"] == float(page.get_attribute("#cloud text.word[data-key='python']", "font-size"))
    kept = [k for k in before if k in after and (after[k]["x"], after[k]["y"]) == (before[k]["x"], before[k]["y"])]
    assert len(kept) >= len(before) - 3, "words keep their places"
    assert not overlapping([w["box"] for w in after.values()])


def test_reduced_motion_makes_size_changes_immediate(site, browser):  # noqa: F811
    page = new_page(browser, reduced_motion="reduce")
    page.goto(site.serve())
    wait_words(page, 20)
    page.evaluate("""() => { window.__animated = 0;
        document.addEventListener('transitionrun', () => { window.__animated += 1; }, true); }""")
    site.update({**TAGS, "Python": 300}, batch=4)
    page.wait_for_function("() => document.querySelector(\"#cloud text.word[data-key='python']\").dataset.rank === '1'",
                           timeout=15_000)
    page.wait_for_timeout(700)
    assert page.evaluate("window.__animated") == 0
    clean(page)
    page.context.close()


def test_vertical_words_option_turns_a_stable_set_of_words_without_overlaps(site, page):  # noqa: F811
    page.goto(site.serve())
    wait_words(page, 20)
    assert not any(w["vertical"] for w in words(page).values())
    page.check("#vertical")
    page.wait_for_function("() => document.querySelectorAll(\"#cloud text.word[data-vertical='1']\").length >= 2",
                           timeout=15_000)
    settle(page)
    assert "vertical=true" in page.url
    shown = words(page)
    turned = [w for w in shown.values() if w["vertical"]]
    assert 2 <= len(turned) < len(shown) / 2
    for w in turned:
        width, height = w["box"][2] - w["box"][0], w["box"][3] - w["box"][1]
        assert height > 2 * width, w["key"]  # drawn upright, as laid out
    for w in shown.values():
        if not w["vertical"]:
            assert w["box"][2] - w["box"][0] > w["box"][3] - w["box"][1]
    assert not overlapping([w["box"] for w in shown.values()])
    first = sorted(w["key"] for w in turned)
    page.reload()
    wait_words(page, 20)
    assert page.is_checked("#vertical")
    assert sorted(w["key"] for w in words(page).values() if w["vertical"]) == first, "the same words turn"
    shot(page, "cloud-vertical", "section.cloud-panel")


def test_trend_has_a_colour_scale_with_a_legend_and_a_shape_and_text_too(site, page):  # noqa: F811
    page.goto(site.serve())
    wait_words(page, 20)
    stops = page.evaluate("Array.from(document.querySelectorAll('#trend-scale stop'))"
                          ".map(s => [Number(s.getAttribute('offset')), s.getAttribute('stop-color')])")
    assert stops == [[s["offset"], s["color"]] for s in legend_stops(1.0, 1.0)]
    legend = page.locator("#legend").inner_text()
    assert "falling" in legend and "steady" in legend and "rising" in legend
    shown = words(page)
    for display, trend in TRENDS.items():
        assert shown[key(display)]["fill"] == trend_color(trend)
    assert shown["openstack"]["mark"] == " \u25b2" and "rising" in shown["openstack"]["label"]
    assert shown["aws"]["mark"] == " \u25bc" and "falling" in shown["aws"]["label"]
    assert shown["docker"]["mark"] == "" and "steady" in shown["docker"]["label"]
    assert shown["openstack"]["label"].startswith(f"#OpenStack: {TAGS['OpenStack'] * 5} tweets")
    assert MINUTES >= 10  # the previous 5-minute window exists: ranks are compared, not "new"
    assert "same" in shown["openstack"]["label"]

"""Presenter mode, embedding, sub-paths and accessibility in real Chromium (issue 18, items 4 to 6).

Screenshots: build/screenshots/present.png (presenter mode), present-sphere.png (its sphere step),
page-dark.png (the dark theme)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response

from .browserkit import (TAGS, axe_source, browser, clean, new_page, page, shot, site, wait_words,  # noqa: F401
                         words)

pytestmark = [pytest.mark.integration, pytest.mark.browser]

VISIBLE_CONTROLS = """() => Array.from(document.querySelectorAll('button, input, select, a[href], [role=button]:not(.word)'))
    .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; })
    .map(e => e.id || e.tagName)"""


def test_presenter_mode_is_a_full_screen_dark_cloud_that_cycles_with_no_controls(site, page):  # noqa: F811
    url = site.serve(PAGE_TITLE="OpenInfra Summit: live hashtags")
    page.set_viewport_size({"width": 1920, "height": 1080})  # a projector
    page.goto(url)
    wait_words(page, 20)
    normal = words(page)["openstack"]
    page.goto(url + "/?mode=present&cycle=2")
    wait_words(page, 20)
    assert page.get_attribute("html", "data-theme") == "dark"
    assert page.is_hidden("header") and page.is_hidden("#status") and page.is_hidden(".series-panel")
    # no control on screen: only the words (which open nothing here) and the sphere's labels
    assert page.evaluate(VISIBLE_CONTROLS) == []
    assert page.locator("#present-title").text_content() == "OpenInfra Summit: live hashtags"
    assert page.locator("#present-source").text_content().endswith("file://" + site.root)
    big = words(page)["openstack"]
    assert big["box"][3] - big["box"][1] > 1.25 * (normal["box"][3] - normal["box"][1]), "large type"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 17, 21)"
    shot(page, "present")
    seen = set()
    for _ in range(40):  # unattended cycling: every window's cloud, then the sphere
        seen.add(page.locator("#present-view").text_content())
        if len(seen) >= 5:
            break
        page.wait_for_timeout(500)
    assert seen == {"Tag cloud, last 1 minute", "Tag cloud, last 5 minutes", "Tag cloud, last 15 minutes",
                    "Tag cloud, last 60 minutes", "Tag sphere, last 5 minutes"}
    for _ in range(3):  # the step may move on while the picture is taken: take it again then
        page.wait_for_function("""() => document.body.classList.contains('show-sphere') &&
            document.getElementById('sphere').getBoundingClientRect().height > 300 &&
            document.getElementById('cloud').getBoundingClientRect().height === 0""", timeout=20_000)
        shot(page, "present-sphere")
        if page.evaluate("document.body.classList.contains('show-sphere')"):
            break
    page.keyboard.press("Escape")  # the way out is the keyboard, nothing on screen
    assert page.is_visible("header") and "mode=present" not in page.url


def test_present_button_enters_presenter_mode(site, page):  # noqa: F811
    page.goto(site.serve())
    wait_words(page, 20)
    page.click("#present")
    page.wait_for_function("() => document.body.classList.contains('present')")
    assert "mode=present" in page.url and page.is_hidden("header")


def test_dark_theme_and_light_theme_pass_axe_with_no_serious_violations(site, browser):  # noqa: F811
    # axe is injected into the page by the test; bypass_csp lets that one script in (the app's own
    # scripts are all from files, so bypassing changes nothing else).
    page = new_page(browser, bypass_csp=True)
    page.goto(site.serve() + "/?tag=openstack")
    wait_words(page, 20)
    page.wait_for_selector("#tag-chart .scatterlayer .trace", timeout=30_000)
    page.add_script_tag(content=axe_source())
    results = {}
    for theme in ("light", "dark"):
        if theme == "dark":
            page.click("#theme")
            page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
        found = page.evaluate("""async () => { const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                                          targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }""")
        results[theme] = found
    serious = {t: [v for v in r if v["impact"] in ("serious", "critical")] for t, r in results.items()}
    assert serious == {"light": [], "dark": []}, serious
    assert results == {"light": [], "dark": []}, results  # not even a moderate or minor one
    page.click("#show-table")
    found = page.evaluate("""async () => (await axe.run(document)).violations
        .filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)""")
    assert found == [], found
    shot(page, "page-dark")
    print("axe violations (any impact):", results)
    clean(page)
    page.context.close()


def test_the_page_works_under_a_sub_path(site, page):  # noqa: F811
    def mount(app):
        return DispatcherMiddleware(Response("not here", status=404), {"/dash/board": app})
    url = site.serve(wrap=mount)
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(url + "/dash/board/")
    wait_words(page, 20)
    page.click("#cloud text.word[data-key='python']")
    page.wait_for_function("() => document.getElementById('tag-panel').dataset.key === 'python'")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('live')")
    assert requested and all(u.startswith(url + "/dash/board/") for u in requested), \
        [u for u in requested if not u.startswith(url + "/dash/board/")]
    assert any("/dash/board/api/stream?" in u for u in requested)
    assert any("/dash/board/api/tag?" in u for u in requested)
    assert page.get_attribute("#export-csv", "href").startswith("api/export?")


class Portal:
    """Another origin (http://localhost:PORT, the app is on 127.0.0.1) whose page frames the app."""

    def __init__(self) -> None:
        self.target = ""
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                body = f'<!doctype html><title>portal</title><iframe src="{portal.target}/"></iframe>'.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_frame_ancestors_is_a_setting(site, browser):  # noqa: F811
    for allowed in (False, True):
        portal = Portal()
        portal.target = site.serve(**({"FRAME_ANCESTORS": portal.url} if allowed else {}))
        page = new_page(browser)
        try:
            page.goto(portal.url + "/")
            frame = page.wait_for_selector("iframe").content_frame()
            if allowed:
                frame.wait_for_selector("#cloud text.word", timeout=90_000)
                assert len(frame.query_selector_all("#cloud text.word")) == len(TAGS)
            else:
                page.wait_for_timeout(3000)
                assert frame.query_selector("#cloud") is None, "embedded although frame-ancestors is 'none'"
        finally:
            page.context.close()
            portal.close()

"""Shared pieces of the page tests in real Chromium (issue 18): a served output folder, DOM probes.

The data is a real TweeTics-shaped output folder written with the contract's writers and read by the
real store (file://); the page runs in Debian's Chromium through Playwright. Every page is watched
for CSP violations and script errors, and a test fails if it saw any.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tweetviz import create_app
from tweetviz.sample import build_output, jsonl, latest_doc, partition, window_rows

from .helpers import LiveServer, minute_now, write_local
from .test_browser import ARGS, CHROMIUM, SHOTS, WATCH

REPO = Path(__file__).resolve().parents[2]

# Per-minute counts; "wwwwww" and "iiiiii" share a count (so a font size) and a length.
TAGS = {"OpenStack": 60, "Kubernetes": 44, "Python": 35, "Docker": 28, "AWS": 22, "Boston": 18, "IoT": 15,
        "DevOps": 13, "BigData": 11, "Azure": 10, "wwwwww": 9, "iiiiii": 9, "golang": 8, "RedHat": 7,
        "CloudComputing": 6, "API": 6, "OpenStackSummit": 5, "Serverless": 5, "Linux": 4, "GitOps": 4,
        "ThisIsAVeryLongHashtagThatTakesRoom": 3, "Edge": 3, "MachineLearning": 2, "k8s": 2}
TRENDS = {"OpenStack": 2.4, "AWS": 0.2, "Docker": 1.05}
MINUTES = 20


def axe_source() -> str:
    """axe.min.js from the cache `make axe` fills (version pinned in mk/tweetviz.mk)."""
    version = re.search(r"^AXE_VERSION := (\S+)$", (REPO / "mk" / "tweetviz.mk").read_text(), re.M).group(1)
    path = Path.home() / ".cache" / "tweetics" / "npm" / f"axe-core-{version}" / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists():
        pytest.fail(f"axe-core {version} is missing at {path}: run `make axe`", pytrace=False)
    return path.read_text()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian chromium is missing at {CHROMIUM}: run `make browser`", pytrace=False)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Site:
    """An output folder and the app serving it on a live port."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.end = minute_now()
        self.made: list[tuple[Any, LiveServer]] = []

    def write(self, files: dict[str, bytes]) -> None:
        write_local(self.root, files)

    def serve(self, wrap: Callable[[Any], Any] | None = None, **config: Any) -> str:
        app = create_app({"DATA": f"file://{self.root}", "POLL_INTERVAL": 0.05, "PARTITION_INTERVAL": 0.3,
                          "STREAM_MAX_SECONDS": 60.0, **config})
        server = LiveServer(wrap(app) if wrap else app).__enter__()
        self.made.append((app, server))
        return server.url

    def update(self, counts: dict[str, int], batch: int, trends: dict[str, float] | None = None) -> None:
        """A newer batch rewrites the newest minute (latest.json, like the job)."""
        rows = window_rows(self.end - 60, counts, batch, trends=trends)
        self.write({f"{partition(self.end - 60)}/batch-{batch:09d}.jsonl": jsonl(rows),
                    "latest.json": latest_doc(rows, batch, self.end + batch)})


@pytest.fixture
def site(tmp_path) -> Iterator[Site]:
    s = Site(str(tmp_path / "out"))
    s.write(build_output(s.end, MINUTES, TAGS, batch_id=3, trends=TRENDS))
    yield s
    for app, server in s.made:
        app.extensions["tweetviz"].store.stop()
        server.__exit__(None, None, None)


def new_page(browser, **options: Any):
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 1100}, **options})
    page = context.new_page()
    # A busy 2-core machine (CI, or helpers sharing it) can take long to parse plotly.js on a load.
    page.set_default_navigation_timeout(120_000)
    page.set_default_timeout(30_000)
    page.add_init_script(WATCH)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


def clean(page) -> None:
    """No CSP violation and no script error on the page."""
    assert page.evaluate("window.__csp") == [], "CSP violations"
    assert page.errors == [], page.errors


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    clean(page)
    page.context.close()


def shot(page, name: str, selector: str | None = None) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    if selector:
        page.locator(selector).screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    return path


def settle(page) -> None:
    """Fonts loaded and no transition or entrance animation of the cloud still running."""
    page.wait_for_function("""() => document.fonts.status === 'loaded' &&
        Array.from(document.querySelectorAll('#cloud text.word')).every(e => e.getAnimations().length === 0)""",
                           timeout=30_000)


def wait_words(page, count: int = 1) -> None:
    # generous: a first load parses plotly.js (3.5 MB) on a busy 2-core machine
    page.wait_for_function("n => document.querySelectorAll('#cloud text.word').length >= n", arg=count,
                           timeout=60_000)
    settle(page)


WORDS = """() => Array.from(document.querySelectorAll('#cloud text.word')).map(e => {
  const r = e.getBoundingClientRect();
  return {key: e.dataset.key, text: e.firstChild.nodeValue, mark: e.childNodes[1].textContent,
          x: Number(e.dataset.x), y: Number(e.dataset.y), vertical: e.dataset.vertical === '1',
          size: parseFloat(getComputedStyle(e).fontSize), fill: e.getAttribute('fill'),
          family: getComputedStyle(e).fontFamily, rank: Number(e.dataset.rank),
          boxW: Number(e.dataset.boxW), boxH: Number(e.dataset.boxH), label: e.getAttribute('aria-label'),
          trendClass: e.dataset.trendClass, box: [r.left, r.top, r.right, r.bottom]};
})"""


def words(page) -> dict[str, dict]:
    return {w["key"]: w for w in page.evaluate(WORDS)}


def overlapping(boxes: list[list[float]], slack: float = 0.5) -> list[tuple]:
    """Pairs of screen boxes [l, t, r, b] that overlap by more than ``slack`` px both ways."""
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[:i]
            if a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack]


def scale(page) -> float:
    """Screen px per layout px of the cloud."""
    return page.evaluate("() => { const s = document.getElementById('cloud'), r = s.getBoundingClientRect();"
                         " return Math.min(r.width / s.viewBox.baseVal.width, r.height / s.viewBox.baseVal.height); }")


def key(display: str) -> str:
    return display.casefold()

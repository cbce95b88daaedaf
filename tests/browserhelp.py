"""Reading the live tag cloud of a served dashboard in Debian's Chromium (compose and cluster tests)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"


def cloud_words(url: str, shot: str) -> list[str]:
    """The hashtags the page at ``url`` draws in its cloud (waits up to 3 min for the first), with a
    screenshot saved as ``build/screenshots/<shot>``."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Debian chromium is missing at {CHROMIUM}: run `make browser`", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        page.goto(url)
        page.wait_for_function("() => document.querySelectorAll('#cloud text.word').length > 0", timeout=180_000)
        words = page.evaluate("() => Array.from(document.querySelectorAll('#cloud text.word')).map(e => e.dataset.key)")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / shot), full_page=True)
        browser.close()
    return words

"""The tag sphere in real Chromium (issue 18, item 2): depth by size and opacity, no collisions in
front, rotation that stops on hover and never runs under reduced motion. Screenshot:
build/screenshots/sphere.png."""

from __future__ import annotations

import pytest

from .browserkit import TAGS, browser, clean, new_page, overlapping, page, shot, site, wait_words  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.browser]

SPHERE = """() => Array.from(document.querySelectorAll('#sphere text.sphere-word')).map(e => {
  const r = e.getBoundingClientRect();
  return {key: e.dataset.key, depth: Number(e.dataset.depth), front: e.dataset.front === '1',
          base: Number(e.dataset.base), size: Number(e.getAttribute('font-size')),
          opacity: Number(e.getAttribute('opacity')), x: e.getAttribute('x'), y: e.getAttribute('y'),
          box: [r.left, r.top, r.right, r.bottom]};
})"""


def sphere(page) -> list[dict]:
    return page.evaluate(SPHERE)


def angle(page) -> str:
    return page.get_attribute("#sphere", "data-angle")


def test_depth_is_shown_by_size_and_opacity_and_front_labels_never_collide(site, page):  # noqa: F811
    page.goto(site.serve())
    wait_words(page, 20)
    page.wait_for_function("() => document.querySelectorAll('#sphere text.sphere-word').length === 24")
    for _ in range(3):  # three moments of the rotation
        labels = sphere(page)
        assert {w["key"] for w in labels} == {t.casefold() for t in TAGS}
        by_depth = sorted(labels, key=lambda w: w["depth"])
        # nearer: bigger for its count, and (unless sent back to avoid a collision) more opaque
        ratios = [w["size"] / w["base"] for w in by_depth]
        assert all(b >= a - 0.01 for a, b in zip(ratios, ratios[1:])) and ratios[-1] > 1.4 * ratios[0]
        visible = [w for w in by_depth if w["front"] or w["depth"] <= 0]
        opacities = [w["opacity"] for w in visible]
        assert all(b >= a - 0.002 for a, b in zip(opacities, opacities[1:])) and opacities[-1] > 3 * opacities[0]
        front = [w for w in labels if w["front"]]
        assert len(front) >= 5 and all(w["depth"] > 0 for w in front)
        assert not overlapping([w["box"] for w in front]), "labels in front collide"
        hidden = [w for w in labels if w["depth"] > 0 and not w["front"]]
        assert all(w["opacity"] <= 0.12 for w in hidden), "a colliding label is sent to the back"
        page.wait_for_timeout(700)
    shot(page, "sphere", "section.sphere-panel")


def test_rotation_runs_stops_on_hover_and_resumes(site, page):  # noqa: F811
    page.goto(site.serve())
    wait_words(page, 20)
    first = angle(page)
    page.wait_for_function("a => document.getElementById('sphere').dataset.angle !== a", arg=first)
    assert page.get_attribute("#sphere", "data-rotating") == "1"
    page.hover("#sphere")
    page.wait_for_function("() => document.getElementById('sphere').dataset.rotating === '0'")
    held, where = angle(page), [w["x"] for w in sphere(page)]
    page.wait_for_timeout(1000)
    assert angle(page) == held and [w["x"] for w in sphere(page)] == where, "the sphere moved under the pointer"
    page.mouse.move(5, 5)
    page.wait_for_function("a => document.getElementById('sphere').dataset.angle !== a", arg=held)
    # the keyboard turns it by hand
    page.focus("#sphere")
    held = angle(page)
    page.keyboard.press("ArrowRight")
    assert abs(float(angle(page)) - float(held) - 0.3) < 1e-3


def test_reduced_motion_keeps_the_sphere_still(site, browser):  # noqa: F811
    page = new_page(browser, reduced_motion="reduce")
    page.goto(site.serve())
    wait_words(page, 20)
    page.wait_for_function("() => document.getElementById('sphere').dataset.rotating === '0'")
    held, where = angle(page), [(w["x"], w["y"]) for w in sphere(page)]
    page.wait_for_timeout(1500)
    assert angle(page) == held and [(w["x"], w["y"]) for w in sphere(page)] == where
    page.emulate_media(reduced_motion="no-preference")  # the preference is read live
    page.wait_for_function("a => document.getElementById('sphere').dataset.angle !== a", arg=held)
    clean(page)
    page.context.close()

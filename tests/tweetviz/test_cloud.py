"""The 2D cloud layout: no overlaps, inside the canvas, stable, deterministic, drops listed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tweetviz.cloud import CloudWord, font_sizes, layout_cloud, text_width


def overlaps(layout) -> list[tuple[str, str]]:
    boxes = [(w.key, w.box()) for w in layout.placed]
    return [(a, b) for i, (a, p) in enumerate(boxes) for b, q in boxes[:i]
            if p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]]


def inside(layout) -> bool:
    return all(b[0] >= 0 and b[1] >= 0 and b[2] <= layout.width and b[3] <= layout.height
               for b in (w.box() for w in layout.placed))


def words(n: int, seed: int = 0) -> list[CloudWord]:
    return [CloudWord(f"tag{i}", f"#Tag{i}{'x' * ((i * 7 + seed) % 9)}", 1 + (i * 37 + seed) % 500) for i in range(n)]


tag_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=24)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(tag_text, st.integers(1, 10_000)), min_size=1, max_size=80, unique_by=lambda t: t[0]),
       st.integers(200, 1200), st.integers(100, 600))
def test_any_words_are_placed_without_overlap_inside_the_canvas(items, width, height):
    layout = layout_cloud([CloudWord(t, t, c) for t, c in items], width, height)
    assert not overlaps(layout)
    assert inside(layout)
    assert {w.key for w in layout.placed} | {w.key for w in layout.dropped} == {t for t, _ in items}
    assert not {w.key for w in layout.placed} & {w.key for w in layout.dropped}


def test_a_normal_cloud_fits_every_word():
    layout = layout_cloud(words(60))
    assert len(layout.placed) == 60 and not layout.dropped


def test_layout_is_deterministic():
    assert layout_cloud(words(40)) == layout_cloud(words(40))


def test_positions_are_kept_between_updates():
    first = layout_cloud(words(40))
    grown = [CloudWord(w.key, w.text, w.count + 3) for w in words(40)] + [CloudWord("newcomer", "#Newcomer", 250)]
    second = layout_cloud(grown, previous=first.positions())
    before, after = first.positions(), second.positions()
    kept = [k for k in before if after.get(k) == before[k]]
    assert len(kept) >= 36, f"only {len(kept)} of 40 words kept their place"
    assert "newcomer" in after and not overlaps(second)


def test_words_that_do_not_fit_are_listed_biggest_first():
    layout = layout_cloud(words(60), width=200, height=60, min_size=12)
    assert layout.dropped, "a tiny canvas cannot hold 60 words"
    assert len(layout.placed) + len(layout.dropped) == 60
    counts = [w.count for w in layout.dropped]
    assert counts == sorted(counts, reverse=True)
    assert not overlaps(layout)


def test_a_word_wider_than_the_canvas_is_dropped_not_clipped():
    layout = layout_cloud([CloudWord("long", "#" + "w" * 200, 5)], width=300, height=100, min_size=12)
    assert [w.key for w in layout.dropped] == ["long"]


def test_bigger_counts_get_bigger_fonts():
    sizes = font_sizes([1, 4, 100], 10, 50)
    assert sizes[0] == 10 and sizes[2] == 50 and sizes[0] < sizes[1] < sizes[2]
    assert font_sizes([7, 7], 10, 50) == [30.0, 30.0]


def test_text_width_is_proportional_from_the_served_font_and_marks_add_nothing():
    # DejaVu Sans Bold advances (units per em 2048): "i" 702, "W" 2259, "a" 1382, "b" 1466
    assert text_width("i", 10) == 702 / 2048 * 10
    assert text_width("W", 10) == 2259 / 2048 * 10
    assert text_width("ab", 10) == (1382 + 1466) / 2048 * 10
    assert text_width("e\u0301", 10) == text_width("e", 10)
    assert text_width("日本", 10) == 2 * 1.15 * 10  # not in the font: the wide fallback bound

"""Pure 2D tag-cloud layout: deterministic, overlap-free, stable between updates.

Unlike d3-cloud, a word that does not fit is reported (``dropped``) rather than silently lost, and
a word keeps its previous position while it still fits, so a refresh does not reshuffle the cloud.
Words are drawn in a proportional font the page serves itself (DejaVu Sans Bold, see
:mod:`tweetviz.fontmetrics`), and their boxes come from that font's advance widths: the layout is
computed once on the server, the same for every browser, and can promise no overlaps. A word may
be set vertically (``vertical=True``): a stable quarter of the words, chosen by key, turn 90 degrees.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Mapping, Sequence

from .fontmetrics import cloud_font

LINE_EM = 1.2    # box height: the font's ascent+descent (1.164 em for DejaVu Sans) plus a little
CELL = 4         # occupancy grid resolution in px
MARK_GAP = " "   # between a word and its trend mark (the mark is laid out with the word)
MARK_SCALE = 0.6  # the mark's font size relative to the word's (static/app.css: .word .mark)


@dataclass(frozen=True, slots=True)
class CloudWord:
    """A word offered to the layout."""

    key: str
    text: str
    count: int
    trend: float | None = None
    color: str = "#444444"
    mark: str = ""          # trend as a shape ("▲"/"▼"), drawn after the word


@dataclass(frozen=True, slots=True)
class PlacedWord:
    """A word with its centre (x, y), font size, box size in px and orientation."""

    key: str
    text: str
    count: int
    trend: float | None
    color: str
    mark: str
    vertical: bool
    x: float
    y: float
    size: float
    width: float
    height: float

    def box(self) -> tuple[float, float, float, float]:
        return (self.x - self.width / 2, self.y - self.height / 2,
                self.x + self.width / 2, self.y + self.height / 2)


@dataclass(frozen=True, slots=True)
class CloudLayout:
    """Result of :func:`layout_cloud`."""

    width: int
    height: int
    placed: tuple[PlacedWord, ...]
    dropped: tuple[CloudWord, ...]

    def positions(self) -> dict[str, tuple[float, float]]:
        """Centres by key, to pass back as ``previous`` on the next update."""
        return {w.key: (w.x, w.y) for w in self.placed}


def text_width(text: str, size: float) -> float:
    """Rendered width of ``text`` at ``size`` px in the cloud's font (its advance widths)."""
    return cloud_font().width(text) * size


def label_width(word: CloudWord, size: float) -> float:
    """Width of what is drawn: the word, then its trend mark in a smaller size."""
    width = text_width(word.text, size)
    return width + text_width(MARK_GAP + word.mark, size * MARK_SCALE) if word.mark else width


def is_vertical(key: str) -> bool:
    """A stable quarter of the keys are set vertically when the option is on."""
    return hashlib.blake2b(key.encode("utf-8"), digest_size=2, person=b"vertical").digest()[0] % 4 == 0


def font_sizes(counts: Sequence[int], min_size: float, max_size: float) -> list[float]:
    """Font size per count on a square-root scale (area grows with the count)."""
    if not counts:
        return []
    low, high = math.sqrt(min(counts)), math.sqrt(max(counts))
    if high - low < 1e-9:
        return [round((min_size + max_size) / 2, 1) if len(counts) > 1 else float(max_size)] * len(counts)
    return [round(min_size + (max_size - min_size) * (math.sqrt(c) - low) / (high - low), 1)
            for c in counts]


def fit_sizes(words: Sequence[CloudWord], sizes: Sequence[float], width: int, height: int,
              min_size: float, padding: float, density: float = 0.4, vertical: bool = False) -> list[float]:
    """Scale ``sizes`` down so the words' boxes cover at most ``density`` of the canvas.

    A greedy layout packs roughly half the canvas; asking for less keeps most words placeable,
    which is what keeps the "did not fit" list short. The longest word must also fit the width.
    """
    if not sizes:
        return []
    area = sum((label_width(w, s) + 2 * padding) * (LINE_EM * s + 2 * padding)
               for w, s in zip(words, sizes))
    factor = min(1.0, math.sqrt(density * width * height / area)) if area else 1.0
    # Whole pixels and a coarse factor: a small change in counts leaves most sizes, and so most
    # positions, exactly as they were.
    factor = math.floor(factor * 20) / 20 if factor < 1 else 1.0
    out = []
    for word, size in zip(words, sizes):
        # A very long word is capped on its own (to 90% of the width) rather than shrinking all.
        widest = 0.9 * min(width, height if vertical else width) / max(label_width(word, 1.0), 1e-9)
        out.append(float(max(min_size, math.floor(min(size * factor, widest)))))
    return out


def seed_point(key: str, width: int, height: int) -> tuple[float, float]:
    """A stable starting point near the centre, derived from the key (same in every process)."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    angle = int.from_bytes(digest[:4], "big") / 2**32 * 2 * math.pi
    radius = int.from_bytes(digest[4:], "big") / 2**32 * 0.2
    return (width / 2 + math.cos(angle) * radius * width, height / 2 + math.sin(angle) * radius * height)


class _Occupancy:
    """Occupancy grid with one Python int per row (bit c = cell c is taken).

    Finding every free spot for a k x m cell box is a few big-int ANDs per row, so the layout
    always finds room when there is room (at CELL px resolution) instead of giving up after a
    bounded spiral walk. Boxes are rasterised outward, so free cells imply no overlap in px.
    """

    def __init__(self, width: int, height: int) -> None:
        self.cols, self.rows = width // CELL, height // CELL
        self.full = (1 << self.cols) - 1
        self.taken = [0] * self.rows

    def cells(self, box: tuple[float, float, float, float]) -> tuple[int, int, int, int] | None:
        """Cell range [c0, c1) x [r0, r1) covering ``box``; None when it leaves the grid."""
        c0, r0 = math.floor(box[0] / CELL), math.floor(box[1] / CELL)
        c1, r1 = math.ceil(box[2] / CELL), math.ceil(box[3] / CELL)
        if c0 < 0 or r0 < 0 or c1 > self.cols or r1 > self.rows:
            return None
        return c0, c1, r0, r1

    def free(self, box: tuple[float, float, float, float]) -> bool:
        cells = self.cells(box)
        if cells is None:
            return False
        c0, c1, r0, r1 = cells
        mask = ((1 << (c1 - c0)) - 1) << c0
        return all(not self.taken[r] & mask for r in range(r0, r1))

    def take(self, box: tuple[float, float, float, float]) -> None:
        cells = self.cells(box)
        assert cells is not None
        c0, c1, r0, r1 = cells
        mask = ((1 << (c1 - c0)) - 1) << c0
        for r in range(r0, r1):
            self.taken[r] |= mask

    def nearest(self, k: int, m: int, col: float, row: float, aspect: float) -> tuple[int, int] | None:
        """Top-left cell of the free k x m block nearest to (col, row); distance is elliptic."""
        if k > self.cols or m > self.rows:
            return None
        runs = [_and_shifts(~t & self.full, k) for t in self.taken]   # k free cells from bit c
        blocks = _and_window(runs, m)                                  # ... on m rows from row r
        best: tuple[float, int, int] | None = None
        target = max(0, min(len(blocks) - 1, round(row)))
        for dr in range(len(blocks)):
            for r in {target - dr, target + dr}:
                if not 0 <= r < len(blocks) or not blocks[r]:
                    continue
                for c in _nearest_bits(blocks[r], col):
                    d = (c - col) ** 2 + ((r - row) * aspect) ** 2
                    if best is None or (d, r, c) < best:
                        best = (d, r, c)
            if best is not None and ((dr - 1) * aspect) ** 2 > best[0]:
                break
        return None if best is None else (best[2], best[1])


def _and_shifts(bits: int, k: int) -> int:
    """Bit c set iff bits c .. c+k-1 are all set (doubling: about log2(k) ANDs)."""
    span = 1
    while span * 2 <= k:
        bits &= bits >> span
        span *= 2
    return bits & (bits >> (k - span)) if k > span else bits


def _and_window(rows: list[int], m: int) -> list[int]:
    """Entry r is the AND of rows r .. r+m-1 (only rows where the window fits)."""
    span, acc = 1, list(rows)
    while span * 2 <= m:
        acc = [acc[i] & acc[i + span] for i in range(len(acc) - span)]
        span *= 2
    rest = m - span
    return [acc[i] & acc[i + rest] for i in range(len(acc) - rest)] if rest else acc


def _nearest_bits(bits: int, col: float) -> list[int]:
    """The set bits closest to ``col`` from below and from above."""
    pivot = max(0, math.floor(col))
    found = []
    low = bits & ((1 << (pivot + 1)) - 1)
    if low:
        found.append(low.bit_length() - 1)
    high = bits >> (pivot + 1)
    if high:
        found.append(pivot + 1 + (high & -high).bit_length() - 1)
    return found


def layout_cloud(words: Sequence[CloudWord], width: int = 960, height: int = 480,
                 previous: Mapping[str, tuple[float, float]] | None = None,
                 min_size: float = 12, max_size: float = 64, padding: float = 2,
                 vertical: bool = False) -> CloudLayout:
    """Place ``words`` (any order; biggest counts are placed first) without overlaps.

    :param previous: centres from the last layout; a word stays there while it still fits.
    :param padding: px kept free around every word.
    :param vertical: set a stable quarter of the words (never the biggest) vertically.
    :returns: placed words and the words that did not fit, both biggest count first.
    """
    previous = previous or {}
    ordered = sorted(words, key=lambda w: (-w.count, w.key))
    sizes = fit_sizes(ordered, font_sizes([w.count for w in ordered], min_size, max_size),
                      width, height, min_size, padding, vertical=vertical)
    turned = {w.key for i, w in enumerate(ordered) if vertical and i > 0 and is_vertical(w.key)}
    grid = _Occupancy(width, height)
    aspect = width / height
    spots: dict[str, tuple[float, float]] = {}
    boxes: dict[str, tuple[float, float]] = {}
    # Pass 1: words that still fit where they were stay put, before any newcomer takes room.
    for word, size in zip(ordered, sizes):
        w, h = label_width(word, size) + 2 * padding, LINE_EM * size + 2 * padding
        if word.key in turned:
            w, h = h, w
        boxes[word.key] = (w, h)
        if word.key in previous:
            x, y = previous[word.key]
            if grid.free(_box(x, y, w, h)):
                spots[word.key] = (x, y)
                grid.take(_box(x, y, w, h))
    # Pass 2: the others go to the free spot nearest their old place or their seed point.
    for word in ordered:
        if word.key in spots:
            continue
        w, h = boxes[word.key]
        x, y = previous.get(word.key) or seed_point(word.key, width, height)
        k, m = math.ceil(w / CELL), math.ceil(h / CELL)
        cell = grid.nearest(k, m, (x - w / 2) / CELL, (y - h / 2) / CELL, aspect)
        if cell is not None:
            # Centre the word in its cell block: the block contains the whole box.
            spots[word.key] = (cell[0] * CELL + k * CELL / 2, cell[1] * CELL + m * CELL / 2)
            grid.take(_box(*spots[word.key], w, h))
    placed = tuple(PlacedWord(word.key, word.text, word.count, word.trend, word.color, word.mark,
                              word.key in turned, *spots[word.key], size, *boxes[word.key])
                   for word, size in zip(ordered, sizes) if word.key in spots)
    dropped = tuple(word for word in ordered if word.key not in spots)
    return CloudLayout(width, height, placed, dropped)


def _box(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)

"""Pure chart builders: aggregated data in, plotly figure dicts (JSON-ready) out.

Hashtags are untrusted. plotly renders trace names, hover text and SVG text through its own
pseudo-HTML (``<b>``, ``<a href>``, ``<br>``), so every tweet-derived string for plotly passes
through :func:`plotly_text` (entity-escaped, shown literally). The sphere is drawn by the page in
SVG through ``textContent``, so its words travel as plain text.
"""

from __future__ import annotations

import hashlib
import html
import math
from typing import Any, Mapping, Sequence

from .data import TagStat

COOL = (44, 123, 182)     # falling
NEUTRAL = (130, 130, 130)
WARM = (215, 25, 28)      # rising


def plotly_text(text: str) -> str:
    """Escape a string for plotly's pseudo-HTML so it is displayed, never interpreted."""
    return html.escape(text, quote=False)


def label_text(text: str) -> str:
    """A WebGL label: markup characters removed (they would be parsed, and are never in hashtags)."""
    return "".join(ch for ch in text if ch not in "<>&")


def trend_color(trend: float | None, neutral: float = 1.0, span: float = 1.0) -> str:
    """Colour of a trend score: grey at ``neutral``, warmer above, cooler below, saturated at ±span."""
    if trend is None or not math.isfinite(trend):
        return "#%02x%02x%02x" % NEUTRAL
    t = max(-1.0, min(1.0, (trend - neutral) / span))
    other = WARM if t > 0 else COOL
    rgb = tuple(round(n + (o - n) * abs(t)) for n, o in zip(NEUTRAL, other))
    return "#%02x%02x%02x" % rgb


def sphere_slots(keys: Sequence[str], slots: int) -> dict[str, int]:
    """A slot of an evenly spread lattice per key: the key's hash, probing to the next free slot.

    Keys are taken in sorted order, so a slot depends only on which keys are shown, not on their
    counts: a word keeps its place on the sphere while the counts change.
    """
    slots = max(slots, len(keys))
    taken: dict[int, str] = {}
    for key in sorted(keys):
        slot = int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big") % slots
        while slot in taken:
            slot = (slot + 1) % slots
        taken[slot] = key
    return {key: slot for slot, key in taken.items()}


def lattice_point(index: int, total: int) -> tuple[float, float, float]:
    """Point ``index`` of a Fibonacci lattice of ``total`` points on the unit sphere."""
    z = 1 - (2 * index + 1) / total
    r = math.sqrt(max(0.0, 1 - z * z))
    phi = index * math.pi * (3 - math.sqrt(5))
    return (round(r * math.cos(phi), 4), round(r * math.sin(phi), 4), round(z, 4))


def trend_class(trend: float | None, neutral: float = 1.0, span: float = 1.0) -> str:
    """``rising``, ``falling`` or ``steady``: the trend as words and shapes, not colour alone."""
    if trend is None or not math.isfinite(trend):
        return "steady"
    t = (trend - neutral) / span
    return "rising" if t >= 0.2 else "falling" if t <= -0.2 else "steady"


#: The shape drawn after a word for its trend class (in the cloud font, so it is measured too).
MARKS = {"rising": "\u25b2", "falling": "\u25bc", "steady": ""}


def legend_stops(neutral: float = 1.0, span: float = 1.0, steps: int = 5) -> list[dict[str, Any]]:
    """Trend values and their colours from saturated cool to saturated warm, for the legend."""
    values = [neutral + span * (2 * i / (steps - 1) - 1) for i in range(steps)]
    return [{"trend": round(v, 3), "color": trend_color(v, neutral, span),
             "offset": round(i / (steps - 1), 3)} for i, v in enumerate(values)]


def sphere_points(stats: Sequence[TagStat], neutral: float = 1.0, span: float = 1.0,
                  min_size: int = 11, max_size: int = 30, slots: int = 80) -> dict[str, Any]:
    """The tag sphere: a stable lattice point per hashtag, size by count, colour and class by trend.

    The page projects and rotates the points itself (SVG): depth drives size and opacity, and
    labels in front are kept from colliding (static/sphere.js).
    """
    places = sphere_slots([s.hashtag for s in stats], slots)
    total = max(slots, len(stats))
    high = math.sqrt(max((s.count for s in stats), default=1)) or 1.0
    words = []
    for s in stats:
        x, y, z = lattice_point(places[s.hashtag], total)
        words.append({"key": s.hashtag, "text": "#" + s.display, "count": s.count, "trend": s.trend,
                      "color": trend_color(s.trend, neutral, span),
                      "trend_class": trend_class(s.trend, neutral, span),
                      "x": x, "y": y, "z": z,
                      "size": round(min_size + (max_size - min_size) * math.sqrt(s.count) / high)})
    return {"words": words}


def series_figure(series: Mapping[str, Any], colors: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Lines of per-minute counts, one per hashtag (the output of :func:`tweetviz.data.series`)."""
    colors = colors or {}
    traces = []
    for item in series.get("series", []):
        name = "#" + plotly_text(item["display"])
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": name,
            "x": series["times"], "y": item["counts"],
            "line": {"width": 2, **({"color": colors[item["hashtag"]]} if item["hashtag"] in colors else {})},
            "marker": {"size": 4},
            # Times are UTC; the page turns them into local time before plotting. The name goes in by
            # reference, never into the template text, where a hashtag's "%{...}" would be a placeholder.
            "hovertemplate": "%{x|%H:%M}: %{y}<extra>%{fullData.name}</extra>",
        })
    return {
        "data": traces,
        "layout": {
            "margin": {"l": 40, "r": 10, "t": 10, "b": 30}, "uirevision": "series",
            "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
            "xaxis": {"type": "date", "title": {"text": ""}},
            "yaxis": {"title": {"text": "tweets / min"}, "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.2}, "hovermode": "closest",
        },
    }


def series_colors(stats: Sequence[TagStat]) -> dict[str, str]:
    """A fixed qualitative palette by rank, so the legend reads in count order."""
    palette = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
               "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
    return {s.hashtag: palette[i % len(palette)] for i, s in enumerate(stats)}

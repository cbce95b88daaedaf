"""Pure chart builders: aggregated data in, plotly figure dicts (JSON-ready) out.

Hashtags are untrusted. plotly renders trace names, hover text and SVG text through its own
pseudo-HTML (``<b>``, ``<a href>``, ``<br>``), so every tweet-derived string passes through
:func:`plotly_text` (entity-escaped, shown literally). WebGL labels of the 3D sphere do not decode
entities, so they get :func:`label_text`, which drops the markup characters instead (the contract's
hashtag rules never produce them).
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
FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"


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


def _hover(stat: TagStat) -> str:
    trend = "n/a" if stat.trend is None else f"{stat.trend:g}"
    return f"#{plotly_text(stat.display)}<br>count {stat.count}<br>trend {trend}"


def sphere_figure(stats: Sequence[TagStat], neutral: float = 1.0, span: float = 1.0,
                  min_size: int = 10, max_size: int = 30, slots: int = 80) -> dict[str, Any]:
    """A 3D tag sphere (scatter3d text): size by count, colour by trend, a stable place per hashtag."""
    places = sphere_slots([s.hashtag for s in stats], slots)
    total = max(slots, len(stats))
    points = [lattice_point(places[s.hashtag], total) for s in stats]
    counts = [s.count for s in stats]
    high = math.sqrt(max(counts, default=1)) or 1.0
    sizes = [round(min_size + (max_size - min_size) * math.sqrt(c) / high) for c in counts]
    colors = [trend_color(s.trend, neutral, span) for s in stats]
    axis = {"visible": False, "range": [-1.25, 1.25], "showspikes": False}
    return {
        "data": [{
            "type": "scatter3d", "mode": "text",
            "x": [p[0] for p in points], "y": [p[1] for p in points], "z": [p[2] for p in points],
            "text": [label_text(s.display) for s in stats],
            "textfont": {"size": sizes, "color": colors, "family": FONT},
            "hovertext": [_hover(s) for s in stats], "hoverinfo": "text",
        }],
        "layout": {
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "showlegend": False,
            "paper_bgcolor": "rgba(0,0,0,0)", "uirevision": "sphere",
            "scene": {"xaxis": axis, "yaxis": axis, "zaxis": axis, "aspectmode": "cube",
                      "camera": {"eye": {"x": 1.35, "y": 0.0, "z": 0.45}}},
        },
    }


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
            # The name goes in by reference, never into the template text, where a hashtag's
            # "%{...}" would be read as a placeholder.
            "hovertemplate": "%{x|%H:%M} UTC: %{y}<extra>%{fullData.name}</extra>",
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

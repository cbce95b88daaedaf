"""Chart builders: valid plotly figures, untrusted text escaped, stable sphere places."""

from __future__ import annotations

import plotly.graph_objects as go

from tweetviz import charts
from tweetviz.data import TagStat

EVIL = '<img src=x onerror="alert(1)">&amp;%{x}'
STATS = [TagStat("openstack", "OpenStack", 40, 2.0), TagStat("evil", EVIL, 3, None), TagStat("aws", "AWS", 9, 0.2)]


def test_sphere_points_are_on_the_unit_sphere_sized_by_count_with_trend_classes():
    words = charts.sphere_points(STATS)["words"]
    assert [w["key"] for w in words] == ["openstack", "evil", "aws"]
    assert words[1]["text"] == "#" + EVIL  # plain text: the page writes it with textContent
    assert all(abs(w["x"] ** 2 + w["y"] ** 2 + w["z"] ** 2 - 1) < 1e-3 for w in words)
    assert words[0]["size"] > words[2]["size"] > words[1]["size"]
    assert [w["trend_class"] for w in words] == ["rising", "steady", "falling"]


def test_legend_stops_run_from_cool_through_grey_to_warm():
    stops = charts.legend_stops(1.0, 1.0)
    assert [s["trend"] for s in stops] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert stops[0]["color"] == "#2c7bb6" and stops[2]["color"] == "#828282" and stops[-1]["color"] == "#d7191c"


def test_series_escapes_names_and_keeps_them_out_of_the_template():
    series = {"times": ["2026-11-21T09:00:00Z", "2026-11-21T09:01:00Z"],
              "series": [{"hashtag": "evil", "display": EVIL, "counts": [1, 2]}]}
    fig = charts.series_figure(series, {"evil": "#123456"})
    go.Figure(fig)
    trace = fig["data"][0]
    assert trace["name"].startswith("#&lt;img") and "<" not in trace["name"]
    assert "%{fullData.name}" in trace["hovertemplate"] and "img" not in trace["hovertemplate"]
    assert trace["line"]["color"] == "#123456"


def test_trend_colours_grey_at_neutral_warm_above_cool_below():
    assert charts.trend_color(1.0) == "#828282"
    assert charts.trend_color(None) == "#828282"
    assert charts.trend_color(5.0) == "#d7191c"
    assert charts.trend_color(-3.0) == "#2c7bb6"
    warm = charts.trend_color(1.5)
    assert int(warm[1:3], 16) > int(warm[5:7], 16)


def test_sphere_places_are_unique_and_do_not_move_when_counts_change():
    keys = [f"tag{i}" for i in range(40)]
    first = charts.sphere_slots(keys, 80)
    assert len(set(first.values())) == 40
    assert charts.sphere_slots(list(reversed(keys)), 80) == first
    again = charts.sphere_slots(keys + ["newcomer"], 80)
    moved = [k for k in keys if again[k] != first[k]]
    assert len(moved) <= 2


def test_lattice_points_are_on_the_unit_sphere():
    for i in range(0, 80, 7):
        x, y, z = charts.lattice_point(i, 80)
        assert abs(x * x + y * y + z * z - 1) < 1e-3

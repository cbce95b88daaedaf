"""Issue 18 without a browser: tag detail, export, ranges, frame-ancestors, vertical layouts, font metrics."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tweetviz import create_app, explore
from tweetviz.cloud import CloudWord, layout_cloud
from tweetviz.config import frame_ancestors
from tweetviz.exceptions import ConfigError
from tweetviz.fontmetrics import cloud_font

from .conftest import TAGS


def test_baseline_inverts_the_contracts_trend_definition():
    assert explore.baseline(40, 2.0) == 19.5          # (40 + 1) / (19.5 + 1) = 2
    assert explore.baseline(0, 1.0) == 0.0
    assert explore.baseline(5, None) is None and explore.baseline(5, 0.0) is None


def test_csv_cells_a_spreadsheet_would_run_are_defused_and_numbers_kept():
    rows = [{"rank": 1, "hashtag": "=cmd|' /c calc'!a0", "display": "+SUM(1)", "count": 3, "trend": -0.5,
             "trend_class": "falling", "previous_rank": None, "rank_change": -2}]
    parsed = list(csv.DictReader(io.StringIO(explore.to_csv(rows))))
    assert parsed[0]["hashtag"] == "'=cmd|' /c calc'!a0" and parsed[0]["display"] == "'+SUM(1)"
    assert parsed[0]["trend"] == "-0.5" and parsed[0]["rank_change"] == "-2" and parsed[0]["previous_rank"] == ""


def test_ranges_follow_the_history_setting():
    assert explore.ranges(60) == (15, 60)
    assert explore.ranges(180) == (15, 60, 180)
    assert explore.ranges(1440) == explore.RANGES_MINUTES


def test_tag_and_export_endpoints_answer_from_the_data(client):
    detail = client.get("/api/tag?tag=%23kubernetes&window=5&range=15").get_json()
    assert detail["hashtag"] == "kubernetes" and detail["count"] == 5 * TAGS["Kubernetes"]
    assert detail["rank"] == 2 and detail["previous_rank"] == 2 and detail["rank_change"] == 0
    assert detail["counts"] == [TAGS["Kubernetes"]] * 15 and detail["total_in_range"] == 15 * TAGS["Kubernetes"]
    assert detail["latest_minute"]["baseline"] == TAGS["Kubernetes"]  # trend 1.0: the baseline is the count
    missing = client.get("/api/tag?tag=nothere").get_json()
    assert missing["rank"] is None and missing["total_in_range"] == 0 and missing["latest_minute"] is None
    for bad in ("/api/tag", "/api/tag?tag=a,b", "/api/tag?tag=a&range=1440", "/api/export?format=xml",
                "/api/view?range=7", "/api/view?vertical=maybe"):
        response = client.get(bad)
        assert response.status_code == 400 and response.get_json()["error"], bad
    csv_response = client.get("/api/export?format=csv&window=1")
    assert csv_response.headers["Content-Disposition"].startswith('attachment; filename="tweetviz-1min-')
    rows = list(csv.DictReader(io.StringIO(csv_response.get_data(as_text=True))))
    assert [(r["display"], int(r["count"])) for r in rows] == sorted(TAGS.items(), key=lambda kv: -kv[1])
    doc = client.get("/api/export").get_json()
    assert doc["window"] == 5 and [t["count"] for t in doc["tags"]] == sorted((5 * c for c in TAGS.values()),
                                                                              reverse=True)


def test_frame_ancestors_setting_is_checked_and_sent(data_dir):
    assert frame_ancestors("'self'  https://grafana.example.org") == "'self' https://grafana.example.org"
    for bad in ("", "'none' 'self'", "https://x.org; script-src *", "javascript:alert(1)", "'unsafe-inline'"):
        with pytest.raises(ConfigError):
            frame_ancestors(bad)
    app = create_app({"DATA": f"file://{data_dir}", "START_REFRESHER": False,
                      "FRAME_ANCESTORS": "https://grafana.example.org"})
    headers = app.test_client().get("/").headers
    assert headers["Content-Security-Policy"].endswith("frame-ancestors https://grafana.example.org")
    assert "X-Frame-Options" not in headers  # it cannot name an origin; CSP decides
    with pytest.raises(ConfigError):
        create_app({"DATA": f"file://{data_dir}", "START_REFRESHER": False, "FRAME_ANCESTORS": "*; sandbox"})


def test_font_metrics_come_from_the_served_font():
    font = cloud_font()
    assert font.units == 2048 and abs(font.line_em - 1.164) < 0.001
    assert font.width("WWW") > 2.5 * font.width("iii")  # proportional
    assert font.advance("\u25b2") > 0 and font.advance("\u4e2d") == 1.15  # a missing wide glyph: the bound


WORD = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF), min_size=1, max_size=24)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(WORD, st.integers(1, 5000), min_size=1, max_size=60))
def test_vertical_layouts_never_overlap_and_keep_every_word(counts):
    words = [CloudWord(k, "#" + k, c, mark="\u25b2" if c % 3 == 0 else "") for k, c in counts.items()]
    layout = layout_cloud(words, 960, 480, vertical=True)
    assert {w.key for w in layout.placed} | {w.key for w in layout.dropped} == set(counts)
    boxes = [w.box() for w in layout.placed]
    for i, a in enumerate(boxes):
        assert 0 <= a[0] and 0 <= a[1] and a[2] <= 960 and a[3] <= 480
        for b in boxes[:i]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    for w in layout.placed:
        if w.vertical:
            assert w.height > w.width

/* Tweetviz: a tag's panel (its per-minute series over the chosen range, trend score and its baseline,
 * rank change). Opened by click or keyboard from the cloud, the sphere or the table; Escape closes it
 * and gives the focus back. Tweet-derived text goes through textContent; plotly gets escaped names. */
(function () {
  "use strict";
  var TV = window.TV = window.TV || {};
  var p = { key: null, opener: null, query: null, version: -1, onClose: null };

  function $(id) { return document.getElementById(id); }

  function escapePlotly(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function fact(dl, term, value) {
    var dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = term;
    dd.textContent = value;
    dl.appendChild(dt);
    dl.appendChild(dd);
  }

  function render(d) {
    $("tag-title").textContent = "#" + d.display;
    var dl = $("tag-facts");
    dl.replaceChildren();
    var w = { trend: d.trend, trend_class: d.trend_class, rank: d.rank, previous_rank: d.previous_rank };
    fact(dl, "Tweets in the last " + d.window + " min", String(d.count));
    fact(dl, "Trend", TV.cloud.trendText(w));
    var m = d.latest_minute;
    fact(dl, "Newest minute", m ? m.count + " tweets" + (m.trend === null ? "" : ", trend " + m.trend) +
      (m.baseline === null ? "" : " against a baseline of " + m.baseline + " per minute (the 5 minutes before)") :
      "no count");
    fact(dl, "Rank", d.rank === null ? "not in this window" : d.rank + " of " + d.of);
    fact(dl, "Rank change", d.rank === null ? "n/a" : TV.cloud.rankChange(w) +
      (d.previous_rank === null ? "" : " (was " + d.previous_rank + ")"));
    fact(dl, "Tweets over " + TV.app.rangeLabel(d.range), String(d.total_in_range));
    $("tag-panel").dataset.key = d.hashtag;
    $("tag-panel").dataset.total = String(d.total_in_range);
    if (window.Plotly) {
      Plotly.react($("tag-chart"), [{
        type: "scatter", mode: "lines", name: "#" + escapePlotly(d.display), x: d.times.map(TV.app.localIso),
        y: d.counts, line: { width: 2, color: "#1f77b4" }, hovertemplate: "%{x|%H:%M}: %{y}<extra></extra>"
      }], {
        margin: { l: 40, r: 10, t: 10, b: 30 }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
        xaxis: { type: "date" }, yaxis: { title: { text: "tweets / min" }, rangemode: "tozero" },
        font: { color: getComputedStyle(document.body).color }, uirevision: d.hashtag + "/" + d.range
      }, { displaylogo: false, responsive: true });
    }
  }

  function load() {
    if (!p.key) { return; }
    var key = p.key, query = TV.app.tagQuery(key);
    fetch("api/tag?" + query, { cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (d) { if (p.key === key) { p.query = query; render(d); } })
      .catch(function () { $("tag-facts").replaceChildren(); $("tag-title").textContent = "Tag unavailable"; });
  }

  function open(key, opener, focus) {
    p.key = key;
    p.opener = opener || null;
    var panel = $("tag-panel");
    panel.hidden = false;
    $("tag-title").textContent = "#" + key;
    load();
    if (focus !== false) { $("tag-title").focus(); }
  }

  function close() {
    if (!p.key) { return; }
    p.key = null;
    $("tag-panel").hidden = true;
    delete $("tag-panel").dataset.key;
    if (p.onClose) { p.onClose(); }
    var back = p.opener && document.contains(p.opener) ? p.opener :
      document.querySelector("#cloud text.word[tabindex='0']");
    if (back) { back.focus(); }
  }

  // New data or new settings: refresh the open panel.
  function refresh() {
    if (p.key && TV.app.tagQuery(p.key) + TV.app.version() !== p.query + p.version) {
      p.version = TV.app.version();
      load();
    }
  }

  function init(onClose) {
    p.onClose = onClose;
    $("tag-close").addEventListener("click", close);
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && p.key) { e.preventDefault(); close(); }
    });
  }

  TV.panel = { open: open, close: close, refresh: refresh, init: init, current: function () { return p.key; } };
})();

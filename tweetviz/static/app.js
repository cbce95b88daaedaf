/* Tweetviz page: one SSE stream (polling fallback), a 2D cloud, a 3D sphere and a series chart.
 * Tweet-derived text only ever reaches the DOM through textContent / nodeValue (never innerHTML);
 * strings handed to plotly were escaped by the server (tweetviz/charts.py). */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var POLL_MS = 1000;
  var body = document.body;
  var state = {
    window: Number(body.dataset.defaultWindow) || 5,
    tracked: false,
    paused: false,
    stream: null,
    poller: null,
    version: -1,
    key: "",
    status: null,
    transport: "connecting",
    angle: 0,
    dragging: false
  };
  var plotConfig = { displaylogo: false, responsive: true };

  function $(id) { return document.getElementById(id); }

  function query() { return "window=" + state.window + "&tracked=" + state.tracked; }

  // -- transport ---------------------------------------------------------------------------

  function connect() {
    disconnect();
    if (state.paused) { return; }
    if (!window.EventSource) { startPolling(); return; }
    var stream = new EventSource("/api/stream?" + query());
    stream.addEventListener("update", function (e) {
      state.transport = "live";
      apply(JSON.parse(e.data));
    });
    stream.onerror = function () {
      if (stream.readyState === EventSource.CLOSED) {
        // The server refused the stream (e.g. 503: too many streams): fall back to polling.
        state.stream = null;
        startPolling();
      } else {
        state.transport = "reconnecting";
        renderStatus();
      }
    };
    state.stream = stream;
  }

  function disconnect() {
    if (state.stream) { state.stream.close(); state.stream = null; }
    if (state.poller) { clearInterval(state.poller); state.poller = null; }
  }

  function startPolling() {
    state.transport = "polling";
    poll();
    state.poller = setInterval(poll, POLL_MS);
  }

  function poll() {
    fetch("/api/view?" + query(), { cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (payload) { state.transport = "polling"; apply(payload); })
      .catch(function () { state.transport = "server unreachable"; renderStatus(); });
  }

  // -- rendering ---------------------------------------------------------------------------

  function apply(payload) {
    if (state.paused) { return; }
    var key = payload.window + "/" + payload.tracked;
    if (key !== state.window + "/" + state.tracked) { return; }  // an answer for old settings
    if (key === state.key && payload.status.version === state.version) { return; }
    state.key = key;
    state.version = payload.status.version;
    state.status = payload.status;
    renderCloud(payload.cloud);
    renderStatus();
    if (window.Plotly) {
      Plotly.react($("sphere"), payload.sphere.data, payload.sphere.layout, plotConfig);
      Plotly.react($("series"), payload.series.data, payload.series.layout, plotConfig);
    }
    body.dataset.version = String(state.version);
  }

  function renderCloud(cloud) {
    var svg = $("cloud");
    svg.setAttribute("viewBox", "0 0 " + cloud.width + " " + cloud.height);
    var old = new Map();
    Array.prototype.forEach.call(svg.querySelectorAll("text.word"), function (el) {
      old.set(el.dataset.key, el);
    });
    var empty = svg.querySelector("text.empty");
    if (empty) { empty.remove(); }
    cloud.words.forEach(function (w) {
      var el = old.get(w.key);
      if (el) {
        old.delete(w.key);
        el.classList.remove("entering");
      } else {
        el = document.createElementNS(SVG_NS, "text");
        el.setAttribute("class", "word entering");
        el.dataset.key = w.key;
        el.appendChild(document.createElementNS(SVG_NS, "title"));
        el.appendChild(document.createTextNode(""));
        svg.appendChild(el);
      }
      el.setAttribute("x", w.x);
      el.setAttribute("y", w.y);
      el.setAttribute("font-size", w.size);
      el.setAttribute("fill", w.color);
      el.lastChild.nodeValue = w.text;
      el.firstChild.textContent = w.text + ": " + w.count + " tweets, trend " +
        (w.trend === null ? "n/a" : w.trend);
    });
    old.forEach(function (el) { el.remove(); });
    if (!cloud.words.length) {
      var note = document.createElementNS(SVG_NS, "text");
      note.setAttribute("class", "empty");
      note.setAttribute("x", cloud.width / 2);
      note.setAttribute("y", cloud.height / 2);
      note.setAttribute("text-anchor", "middle");
      note.textContent = "No hashtags in this window yet";
      svg.appendChild(note);
    }
    var list = $("dropped");
    list.replaceChildren();
    cloud.dropped.forEach(function (w) {
      var li = document.createElement("li");
      li.dataset.key = w.key;
      li.textContent = w.text + " (" + w.count + ")";
      list.appendChild(li);
    });
    $("dropped-count").textContent = "(" + cloud.dropped.length + ")";
  }

  function clock(iso) { return iso ? iso.slice(11, 19) + " UTC" : "n/a"; }

  function ago(iso) {
    if (!iso) { return "never"; }
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 90) { return s + " s ago"; }
    if (s < 5400) { return Math.round(s / 60) + " min ago"; }
    return Math.round(s / 3600) + " h ago";
  }

  function renderStatus() {
    var s = state.status;
    var parts = [];
    if (state.paused) { parts.push("Paused"); }
    if (!s) {
      parts.push(state.transport === "connecting" ? "Connecting…" : "No data (" + state.transport + ")");
    } else if (s.state === "waiting" || s.state === "starting") {
      parts.push(s.state === "waiting" ? "Waiting for TweeTics output" : "Starting");
    } else {
      // where the posts come from first: a replay must never pass for a live stream
      var origin = s.origin || {};
      parts.push(origin.label ? origin.label : "origin not reported");
      if (origin.newest_at) { parts.push("newest data " + ago(origin.newest_at)); }
      parts.push("Data time " + clock(s.data_time));
      parts.push("updated " + ago(s.updated_at));
      if (s.batch_id !== null) { parts.push("batch " + s.batch_id); }
    }
    if (s) { parts.push("read from " + s.source); }
    parts.push(state.transport);
    $("status").textContent = parts.join(" · ");
    var banner = $("stale");
    if (s && s.stale_since) {
      banner.textContent = "Data source unavailable (" + (s.error || "error") + "). Showing the last good data, stale since " +
        clock(s.stale_since) + ".";
      banner.hidden = false;
    } else {
      banner.hidden = true;
      banner.textContent = "";
    }
  }

  // -- sphere rotation ---------------------------------------------------------------------

  function rotate() {
    var sphere = $("sphere");
    if (!state.paused && !state.dragging && !document.hidden && window.Plotly && sphere.data) {
      state.angle += 0.03;
      Plotly.relayout(sphere, {
        "scene.camera.eye": { x: 1.35 * Math.cos(state.angle), y: 1.35 * Math.sin(state.angle), z: 0.45 }
      });
    }
  }

  // -- controls ----------------------------------------------------------------------------

  function setWindow(minutes) {
    state.window = minutes;
    Array.prototype.forEach.call(document.querySelectorAll("button.window"), function (b) {
      b.setAttribute("aria-pressed", String(Number(b.dataset.window) === minutes));
    });
    connect();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("button.window"), function (b) {
      b.addEventListener("click", function () { setWindow(Number(b.dataset.window)); });
    });
    $("tracked").addEventListener("change", function (e) {
      state.tracked = e.target.checked;
      connect();
    });
    $("pause").addEventListener("click", function (e) {
      state.paused = !state.paused;
      e.target.setAttribute("aria-pressed", String(state.paused));
      e.target.textContent = state.paused ? "Resume" : "Pause";
      if (state.paused) { disconnect(); } else { state.version = -1; connect(); }
      renderStatus();
    });
    var sphere = $("sphere");
    sphere.addEventListener("pointerdown", function () { state.dragging = true; });
    window.addEventListener("pointerup", function () { state.dragging = false; });
    setInterval(renderStatus, 1000);  // freshness ticks even without new data
    setInterval(rotate, 120);
    setWindow(state.window);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

/* Tweetviz page: state (kept in the URL), one SSE stream (polling fallback), status, presenter mode.
 * Every API path is relative, so the page works under a sub-path behind a reverse proxy.
 * Tweet-derived text only ever reaches the DOM through textContent / nodeValue (never innerHTML);
 * strings handed to plotly were escaped by the server (tweetviz/charts.py). */
(function () {
  "use strict";

  var TV = window.TV = window.TV || {};
  var POLL_MS = 1000;
  var body = document.body;
  var WINDOWS = Array.prototype.map.call(document.querySelectorAll("button.window"),
    function (b) { return Number(b.dataset.window); });
  var RANGES = Array.prototype.map.call(document.querySelectorAll("#range option"),
    function (o) { return Number(o.value); });
  var state = {
    window: Number(body.dataset.defaultWindow) || 5, range: RANGES.indexOf(60) >= 0 ? 60 : RANGES[RANGES.length - 1],
    tracked: false, vertical: false, theme: "light", view: "cloud", tag: null, q: "", mode: "",
    cycle: Number(body.dataset.cycle) || 20,
    paused: false, stream: null, poller: null, version: -1, key: "", status: null, payload: null,
    transport: "connecting", top: null, stateSaid: null, presentStep: 0, presentTimer: null
  };
  var plotConfig = { displaylogo: false, responsive: true };

  function $(id) { return document.getElementById(id); }

  // -- the view state in the URL --------------------------------------------------------------

  function readUrl() {
    var q = new URLSearchParams(window.location.search);
    var n = Number(q.get("window"));
    if (WINDOWS.indexOf(n) >= 0) { state.window = n; }
    n = Number(q.get("range"));
    if (RANGES.indexOf(n) >= 0) { state.range = n; }
    state.tracked = q.get("tracked") === "true";
    state.vertical = q.get("vertical") === "true";
    state.theme = q.get("theme") === "dark" ? "dark" : "light";
    state.view = q.get("view") === "table" ? "table" : "cloud";
    state.tag = q.get("tag") || null;
    state.q = (q.get("q") || "").slice(0, 100);
    state.mode = q.get("mode") === "present" ? "present" : "";
    n = Number(q.get("cycle"));
    if (n >= 1 && n <= 3600) { state.cycle = n; }
  }

  function writeUrl() {
    var q = new URLSearchParams();
    q.set("window", state.window);
    q.set("range", state.range);
    if (state.tracked) { q.set("tracked", "true"); }
    if (state.vertical) { q.set("vertical", "true"); }
    if (state.theme === "dark") { q.set("theme", "dark"); }
    if (state.view === "table") { q.set("view", "table"); }
    if (state.tag) { q.set("tag", state.tag); }
    if (state.q) { q.set("q", state.q); }
    if (state.mode) { q.set("mode", state.mode); }
    if (state.mode && state.cycle !== Number(body.dataset.cycle)) { q.set("cycle", state.cycle); }
    history.replaceState(null, "", "?" + q.toString());
    $("export-csv").href = "api/export?format=csv&" + base();
    $("export-json").href = "api/export?format=json&" + base();
  }

  function base() { return "window=" + state.window + "&tracked=" + state.tracked; }
  function query() { return base() + "&vertical=" + state.vertical + "&range=" + state.range; }

  // -- transport --------------------------------------------------------------------------------

  function connect() {
    disconnect();
    writeUrl();
    if (state.paused) { return; }
    if (!window.EventSource) { startPolling(); return; }
    var stream = new EventSource("api/stream?" + query());
    stream.addEventListener("update", function (e) { state.transport = "live"; apply(JSON.parse(e.data)); });
    stream.onerror = function () {
      if (stream.readyState === EventSource.CLOSED) {
        state.stream = null;  // the server refused the stream (e.g. 503): poll instead
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
    fetch("api/view?" + query(), { cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (payload) { state.transport = "polling"; apply(payload); })
      .catch(function () { state.transport = "server unreachable"; renderStatus(); });
  }

  // -- rendering --------------------------------------------------------------------------------

  function caption() {
    return "last " + state.window + (state.window === 1 ? " minute" : " minutes") +
      (state.tracked ? ", tracked words only" : "");
  }

  function apply(payload) {
    if (state.paused) { return; }
    var key = [payload.window, payload.tracked, payload.vertical, payload.range].join("/");
    if (key !== [state.window, state.tracked, state.vertical, state.range].join("/")) { return; }  // old settings
    if (key === state.key && payload.status.version === state.version) { return; }
    state.key = key;
    state.version = payload.status.version;
    state.status = payload.status;
    state.payload = payload;
    TV.cloud.render(payload.cloud, openTag);
    TV.cloud.renderTable(payload.cloud, "Hashtags of the " + caption() + ", biggest first", openTag);
    TV.cloud.filter(state.q);
    TV.sphere.update(payload.sphere, openTag);
    $("cloud-caption").textContent = caption();
    renderStatus();
    if (window.Plotly) {
      var data = payload.series.data.map(function (t) { return Object.assign({}, t, { x: t.x.map(localIso) }); });
      var layout = Object.assign({}, payload.series.layout, { font: { color: getComputedStyle(body).color } });
      Plotly.react($("series"), data, layout, plotConfig);
    }
    TV.panel.refresh();
    announceData(payload);
    body.dataset.version = String(state.version);
  }

  // The live region speaks only when something worth hearing changed (never every second).
  function announce(text) { $("announce").textContent = text; }

  function announceData(payload) {
    var s = payload.status, top = payload.cloud.words.length ? payload.cloud.words.reduce(function (a, b) {
      return a.rank < b.rank ? a : b;
    }) : null;
    var stale = s.stale_since ? "stale" : "fresh";
    if (state.stateSaid !== null && stale !== state.stateSaid) {
      announce(stale === "stale" ? "Data source unavailable; showing the last good data." : "Data source is back.");
    } else if (top && top.key !== state.top) {
      announce("Top hashtag of the " + caption() + ": " + top.text + ", " + top.count + " tweets.");
    }
    state.stateSaid = stale;
    state.top = top ? top.key : null;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function localTime(iso) {
    return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit",
                                                         hourCycle: "h23", timeZoneName: "short" });
  }

  // An ISO UTC time as local wall-clock time without a zone, the way plotly's date axes take it.
  function localIso(iso) {
    var d = new Date(iso);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  function timeEl(iso) {
    var t = document.createElement("time");
    t.dateTime = iso;
    t.title = iso.replace("T", " ").replace("Z", " UTC");  // UTC on hover
    t.textContent = localTime(iso);
    return t;
  }

  function ago(iso) {
    if (!iso) { return "never"; }
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 90) { return s + " s ago"; }
    if (s < 5400) { return Math.round(s / 60) + " min ago"; }
    return Math.round(s / 3600) + " h ago";
  }

  function renderStatus() {
    var s = state.status, parts = [];
    if (state.paused) { parts.push("Paused"); }
    if (!s) {
      parts.push(state.transport === "connecting" ? "Connecting…" : "No data (" + state.transport + ")");
    } else if (s.state === "waiting" || s.state === "starting") {
      parts.push(s.state === "waiting" ? "Waiting for TweeTics output" : "Starting");
    } else {
      var origin = s.origin || {};  // where the posts come from first: a replay must never pass for live
      parts.push(origin.label ? origin.label : "origin not reported");
      if (origin.newest_at) { parts.push("newest data " + ago(origin.newest_at)); }
      parts.push(s.data_time ? ["Data time ", timeEl(s.data_time)] : "Data time n/a");
      parts.push("updated " + ago(s.updated_at));
      if (s.batch_id !== null) { parts.push("batch " + s.batch_id); }
    }
    if (s) { parts.push("read from " + s.source); }
    parts.push(state.transport);
    var line = $("status");
    line.replaceChildren();
    parts.forEach(function (part, i) {
      if (i) { line.appendChild(document.createTextNode(" · ")); }
      [].concat(part).forEach(function (bit) {
        line.appendChild(typeof bit === "string" ? document.createTextNode(bit) : bit);
      });
    });
    var banner = $("stale");
    if (s && s.stale_since) {
      banner.replaceChildren(document.createTextNode("Data source unavailable (" + (s.error || "error") +
        "). Showing the last good data, stale since "), timeEl(s.stale_since), document.createTextNode("."));
      banner.hidden = false;
    } else {
      banner.hidden = true;
      banner.replaceChildren();
    }
    $("present-source").textContent = s ? ((s.origin && s.origin.label) || "origin not reported") + " · " + s.source : "";
  }

  // -- controls ---------------------------------------------------------------------------------

  function openTag(key, opener) {
    state.tag = key;
    writeUrl();
    TV.panel.open(key, opener);
  }

  function pressed(el, on) { el.setAttribute("aria-pressed", String(on)); }

  function sync() {
    Array.prototype.forEach.call(document.querySelectorAll("button.window"), function (b) {
      pressed(b, Number(b.dataset.window) === state.window);
    });
    $("range").value = String(state.range);
    $("tracked").checked = state.tracked;
    $("vertical").checked = state.vertical;
    $("search").value = state.q;
    pressed($("show-cloud"), state.view === "cloud");
    pressed($("show-table"), state.view === "table");
    $("cloud-box").hidden = state.view === "table";
    $("table-box").hidden = state.view !== "table";
    pressed($("theme"), state.theme === "dark");
    document.documentElement.dataset.theme = state.mode === "present" ? "dark" : state.theme;
    body.classList.toggle("present", state.mode === "present");
    $("present-title").textContent = body.dataset.title || "Tweetviz: live hashtags";
  }

  function setWindow(minutes) {
    state.window = minutes;
    sync();
    connect();
  }

  // Presenter mode: cycles through the windows' clouds, then the sphere, unattended.
  function presentSteps() {
    return WINDOWS.map(function (w) { return { window: w, sphere: false }; })
      .concat([{ window: Number(body.dataset.defaultWindow) || 5, sphere: true }]);
  }

  function presentShow() {
    var steps = presentSteps(), step = steps[state.presentStep % steps.length];
    body.classList.toggle("show-sphere", step.sphere);
    $("present-view").textContent = (step.sphere ? "Tag sphere, " : "Tag cloud, ") + "last " + step.window +
      (step.window === 1 ? " minute" : " minutes");
    body.dataset.presentStep = String(state.presentStep % steps.length);
    if (step.window !== state.window) { setWindow(step.window); }
  }

  function setMode(mode) {
    state.mode = mode;
    if (state.presentTimer) { clearInterval(state.presentTimer); state.presentTimer = null; }
    body.classList.remove("show-sphere");
    if (mode === "present") {
      TV.panel.close();
      state.presentStep = Math.max(0, WINDOWS.indexOf(state.window));
      presentShow();
      state.presentTimer = setInterval(function () { state.presentStep += 1; presentShow(); }, state.cycle * 1000);
    } else if (document.fullscreenElement && document.exitFullscreen) {
      document.exitFullscreen().catch(function () { return null; });
    }
    sync();
    writeUrl();
  }

  function init() {
    readUrl();
    TV.cloud.init();
    TV.sphere.init();
    TV.panel.init(function () { state.tag = null; writeUrl(); });
    Array.prototype.forEach.call(document.querySelectorAll("button.window"), function (b) {
      b.addEventListener("click", function () { setWindow(Number(b.dataset.window)); });
    });
    $("range").addEventListener("change", function (e) { state.range = Number(e.target.value); connect(); });
    $("tracked").addEventListener("change", function (e) { state.tracked = e.target.checked; connect(); });
    $("vertical").addEventListener("change", function (e) { state.vertical = e.target.checked; connect(); });
    $("show-cloud").addEventListener("click", function () { state.view = "cloud"; sync(); writeUrl(); });
    $("show-table").addEventListener("click", function () { state.view = "table"; sync(); writeUrl(); });
    $("theme").addEventListener("click", function () {
      state.theme = state.theme === "dark" ? "light" : "dark";
      sync();
      writeUrl();
    });
    var searchTimer = null;
    $("search").addEventListener("input", function (e) {
      state.q = e.target.value.slice(0, 100);
      var n = TV.cloud.filter(state.q);
      writeUrl();
      clearTimeout(searchTimer);  // speak the result once typing settles, not on every key
      searchTimer = setTimeout(function () { if (state.q) { announce(n + " hashtags match " + state.q + "."); } }, 600);
    });
    $("search").addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || !state.q) { return; }
      var first = document.querySelector("#table tbody tr:not(.hidden)");
      if (first) { e.preventDefault(); openTag(first.dataset.key, $("search")); }
    });
    $("pause").addEventListener("click", function (e) {
      state.paused = !state.paused;
      pressed(e.target, state.paused);
      e.target.textContent = state.paused ? "Resume" : "Pause";
      TV.sphere.setPaused(state.paused);
      if (state.paused) { disconnect(); } else { state.version = -1; connect(); }
      renderStatus();
    });
    $("present").addEventListener("click", function () {
      if (document.documentElement.requestFullscreen) {
        document.documentElement.requestFullscreen().catch(function () { return null; });
      }
      setMode("present");
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && state.mode === "present") { setMode(""); }
    });
    setInterval(renderStatus, 1000);  // freshness ticks even without new data (not a live region)
    sync();
    if (state.mode === "present") { setMode("present"); }
    if (state.tag) { TV.panel.open(state.tag, null, false); }
    connect();
  }

  TV.app = {
    localIso: localIso,
    version: function () { return state.version; },
    tagQuery: function (key) {
      return "tag=" + encodeURIComponent(key) + "&window=" + state.window + "&range=" + state.range +
        "&tracked=" + state.tracked;
    },
    rangeLabel: function (m) { return m >= 60 ? m / 60 + " h" : m + " min"; }
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

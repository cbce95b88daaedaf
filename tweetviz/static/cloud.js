/* Tweetviz: the 2D cloud (SVG, laid out by the server), its keyboard navigation, the table view and
 * the "did not fit" list. Tweet-derived text only reaches the DOM through textContent / nodeValue. */
(function () {
  "use strict";
  var TV = window.TV = window.TV || {};
  var SVG_NS = "http://www.w3.org/2000/svg";

  function trendText(w) {
    var cls = w.trend_class || "steady";
    var value = w.trend === null || w.trend === undefined ? "n/a" : String(w.trend);
    return (cls === "rising" ? "\u25b2 rising" : cls === "falling" ? "\u25bc falling" : "steady") + " (trend " + value + ")";
  }

  function rankChange(w) {
    if (w.previous_rank === null || w.previous_rank === undefined) { return "new"; }
    var d = w.previous_rank - w.rank;
    return d > 0 ? "\u2191 up " + d : d < 0 ? "\u2193 down " + (-d) : "= same";
  }

  function describe(w, total) {
    return w.text + ": " + w.count + " tweets, " + trendText(w) + ", rank " + w.rank + " of " + total +
      ", " + rankChange(w);
  }

  // -- cloud --------------------------------------------------------------------------------

  var cloudState = { order: [], onOpen: null };

  function render(cloud, onOpen) {
    cloudState.onOpen = onOpen;
    var svg = document.getElementById("cloud");
    svg.setAttribute("viewBox", "0 0 " + cloud.width + " " + cloud.height);
    var old = new Map();
    Array.prototype.forEach.call(svg.querySelectorAll("g.item"), function (g) { old.set(g.dataset.key, g); });
    var empty = svg.querySelector("text.empty");
    if (empty) { empty.remove(); }
    var focusedKey = document.activeElement && document.activeElement.classList &&
      document.activeElement.classList.contains("word") ? document.activeElement.dataset.key : null;
    var total = cloud.words.length + cloud.dropped.length;
    cloud.words.forEach(function (w) {
      var g = old.get(w.key), el;
      if (g) {
        old.delete(w.key);
        el = g.firstChild;
        el.classList.remove("entering");
      } else {
        g = document.createElementNS(SVG_NS, "g");
        g.setAttribute("class", "item");
        g.setAttribute("role", "listitem");
        g.dataset.key = w.key;
        el = document.createElementNS(SVG_NS, "text");
        el.setAttribute("class", "word entering");
        el.setAttribute("role", "button");
        el.dataset.key = w.key;
        el.appendChild(document.createTextNode(""));
        var mark = document.createElementNS(SVG_NS, "tspan");
        mark.setAttribute("class", "mark");
        el.appendChild(mark);
        el.appendChild(document.createElementNS(SVG_NS, "title"));
        g.appendChild(el);
        svg.appendChild(g);
      }
      g.setAttribute("aria-posinset", String(w.rank));
      g.setAttribute("aria-setsize", String(total));
      // CSS transform and font-size (not SVG attributes) so that changes are transitions.
      el.style.transform = "translate(" + w.x + "px, " + w.y + "px)" + (w.vertical ? " rotate(-90deg)" : "");
      el.style.fontSize = w.size + "px";
      el.setAttribute("font-size", w.size);
      el.dataset.x = w.x;
      el.dataset.y = w.y;
      el.dataset.rank = w.rank;
      el.dataset.trendClass = w.trend_class;
      el.dataset.vertical = w.vertical ? "1" : "0";
      el.dataset.boxW = w.w;
      el.dataset.boxH = w.h;
      el.setAttribute("fill", w.color);
      el.firstChild.nodeValue = w.text;
      el.childNodes[1].textContent = w.mark ? " " + w.mark : "";
      el.lastChild.textContent = describe(w, total);
      el.setAttribute("aria-label", describe(w, total));
    });
    old.forEach(function (g) { g.remove(); });
    cloudState.order = cloud.words.slice().sort(function (a, b) { return a.rank - b.rank; })
      .map(function (w) { return w.key; });
    roving(focusedKey && cloudState.order.indexOf(focusedKey) >= 0 ? focusedKey : null, false);
    if (!cloud.words.length) {
      var note = document.createElementNS(SVG_NS, "text");
      note.setAttribute("class", "empty");
      note.setAttribute("x", cloud.width / 2);
      note.setAttribute("y", cloud.height / 2);
      note.setAttribute("text-anchor", "middle");
      note.setAttribute("fill", "currentColor");
      note.textContent = "No hashtags in this window yet";
      svg.appendChild(note);
    }
    var list = document.getElementById("dropped");
    list.replaceChildren();
    cloud.dropped.forEach(function (w) {
      var li = document.createElement("li");
      li.dataset.key = w.key;
      li.textContent = w.text + " (" + w.count + ")";
      list.appendChild(li);
    });
    document.getElementById("dropped-count").textContent = "(" + cloud.dropped.length + ")";
  }

  function wordEl(key) {
    var found = null;
    Array.prototype.some.call(document.querySelectorAll("#cloud text.word"), function (el) {
      if (el.dataset.key === key) { found = el; return true; }
      return false;
    });
    return found;
  }

  // One tab stop for the whole cloud; the arrow keys move between words in rank order.
  function roving(key, focus) {
    var current = key || (cloudState.current && cloudState.order.indexOf(cloudState.current) >= 0 ?
      cloudState.current : cloudState.order[0]);
    cloudState.current = current;
    Array.prototype.forEach.call(document.querySelectorAll("#cloud text.word"), function (el) {
      el.setAttribute("tabindex", el.dataset.key === current ? "0" : "-1");
    });
    if (focus && current) { var el = wordEl(current); if (el) { el.focus(); } }
  }

  function onKey(e) {
    var el = e.target;
    if (!el.classList || !el.classList.contains("word")) { return; }
    var i = cloudState.order.indexOf(el.dataset.key), n = cloudState.order.length, next = null;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") { next = cloudState.order[Math.min(n - 1, i + 1)]; }
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") { next = cloudState.order[Math.max(0, i - 1)]; }
    else if (e.key === "Home") { next = cloudState.order[0]; }
    else if (e.key === "End") { next = cloudState.order[n - 1]; }
    else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      if (cloudState.onOpen) { cloudState.onOpen(el.dataset.key, el); }
      return;
    } else { return; }
    e.preventDefault();
    roving(next, true);
  }

  function onClick(e) {
    var el = e.target.closest ? e.target.closest("text.word") : null;
    if (el && cloudState.onOpen) { roving(el.dataset.key, false); cloudState.onOpen(el.dataset.key, el); }
  }

  // -- search ---------------------------------------------------------------------------------

  function matches(w, q) {
    return !q || w.key.indexOf(q) >= 0 || w.text.toLowerCase().indexOf(q) >= 0;
  }

  function filter(q) {
    q = (q || "").trim().toLowerCase().replace(/^#/, "");
    var n = 0;
    Array.prototype.forEach.call(document.querySelectorAll("#cloud text.word"), function (el) {
      var hit = !q || el.dataset.key.indexOf(q) >= 0 || el.firstChild.nodeValue.toLowerCase().indexOf(q) >= 0;
      el.classList.toggle("dim", !hit);
      el.classList.toggle("match", Boolean(q) && hit);
    });
    Array.prototype.forEach.call(document.querySelectorAll("#table tbody tr"), function (tr) {
      var hit = !q || tr.dataset.key.indexOf(q) >= 0 || tr.dataset.text.toLowerCase().indexOf(q) >= 0;
      tr.classList.toggle("hidden", !hit);
      if (hit) { n += 1; }
    });
    return n;
  }

  // -- table ----------------------------------------------------------------------------------

  function renderTable(cloud, caption, onOpen) {
    var rows = cloud.words.concat(cloud.dropped).sort(function (a, b) { return a.rank - b.rank; });
    var body = document.querySelector("#table tbody");
    body.replaceChildren();
    rows.forEach(function (w) {
      var tr = document.createElement("tr");
      tr.dataset.key = w.key;
      tr.dataset.text = w.text;
      var cells = [String(w.rank), null, String(w.count), trendText(w), rankChange(w)];
      cells.forEach(function (value, i) {
        var td = document.createElement(i === 1 ? "th" : "td");
        if (i === 1) {
          td.setAttribute("scope", "row");
          var b = document.createElement("button");
          b.type = "button";
          b.className = "tag";
          b.textContent = w.text;
          b.addEventListener("click", function () { onOpen(w.key, b); });
          td.appendChild(b);
        } else {
          td.textContent = value;
        }
        if (i === 0 || i === 2) { td.className = "num"; }
        if (i === 3) { td.className = "trend-" + (w.trend_class || "steady"); }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    document.getElementById("table-caption").textContent = caption;
  }

  function init() {
    var svg = document.getElementById("cloud");
    svg.addEventListener("keydown", onKey);
    svg.addEventListener("click", onClick);
  }

  TV.cloud = { render: render, filter: filter, renderTable: renderTable, init: init, wordEl: wordEl,
               trendText: trendText, rankChange: rankChange, matches: matches };
})();

/* Tweetviz: the tag sphere, drawn in SVG. Each hashtag has a fixed point on a lattice (from the
 * server); the page rotates the sphere and projects it. Depth is shown by size and opacity, labels in
 * front never collide (a label that would is sent to the back), rotation stops while the pointer or
 * the keyboard focus is on the sphere, and never runs when the user prefers reduced motion. */
(function () {
  "use strict";
  var TV = window.TV = window.TV || {};
  var SVG_NS = "http://www.w3.org/2000/svg";
  var RADIUS = 200, TILT = 0.35, STEP = 0.012, FRAME_MS = 40, LINE_EM = 1.164;
  var reduce = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : { matches: false };
  var s = { words: [], els: new Map(), widths: new Map(), angle: 0.6, hover: false, focus: false,
            paused: false, timer: null, onOpen: null, onScreen: true };

  function measure(el, key) {
    // Width per px of font size, measured once in the served font.
    if (!s.widths.has(key)) {
      var w = el.getComputedTextLength() / (Number(el.dataset.base) || 1);
      if (w > 0 && document.fonts && document.fonts.status === "loaded") { s.widths.set(key, w); }
      return w;
    }
    return s.widths.get(key);
  }

  function update(sphere, onOpen) {
    s.onOpen = onOpen;
    var svg = document.getElementById("sphere");
    var keep = new Set();
    sphere.words.forEach(function (w) {
      keep.add(w.key);
      var el = s.els.get(w.key);
      if (!el) {
        var g = document.createElementNS(SVG_NS, "g");
        g.setAttribute("role", "listitem");
        el = document.createElementNS(SVG_NS, "text");
        el.setAttribute("class", "sphere-word");
        el.dataset.key = w.key;
        el.appendChild(document.createTextNode(""));
        el.appendChild(document.createElementNS(SVG_NS, "title"));
        g.appendChild(el);
        svg.appendChild(g);
        s.els.set(w.key, el);
      }
      el.firstChild.nodeValue = w.text;
      el.lastChild.textContent = w.text + ": " + w.count + " tweets, " + TV.cloud.trendText(w);
      el.setAttribute("fill", w.color);
      el.dataset.base = w.size;
    });
    s.els.forEach(function (el, key) {
      if (!keep.has(key)) { el.parentNode.remove(); s.els.delete(key); }
    });
    s.words = sphere.words;
    draw();
  }

  function overlaps(a, b) { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]; }

  function draw() {
    var cosA = Math.cos(s.angle), sinA = Math.sin(s.angle), cosT = Math.cos(TILT), sinT = Math.sin(TILT);
    var placed = s.words.map(function (w) {
      var x = w.x * cosA - w.y * sinA, y = w.x * sinA + w.y * cosA;   // turn around the vertical axis
      var depth = y * cosT + w.z * sinT;                                  // towards the viewer: +1
      var up = w.z * cosT - y * sinT;
      return { w: w, sx: x * RADIUS, sy: -up * RADIUS, depth: depth };
    });
    placed.sort(function (a, b) { return b.depth - a.depth; });          // nearest first
    var front = [];
    placed.forEach(function (p) {
      var el = s.els.get(p.w.key);
      if (!el) { return; }
      var near = (p.depth + 1) / 2;                                       // 0 (back) .. 1 (front)
      var size = p.w.size * (0.55 + 0.45 * near);
      var opacity = 0.15 + 0.85 * near * near;
      var width = measure(el, p.w.key) * size, height = LINE_EM * size;
      var box = [p.sx - width / 2 - 2, p.sy - height / 2 - 1, p.sx + width / 2 + 2, p.sy + height / 2 + 1];
      var inFront = p.depth > 0;
      if (inFront && front.some(function (b) { return overlaps(b, box); })) {
        inFront = false;                                                  // would collide: sent to the back
        opacity = Math.min(opacity, 0.12);
      }
      if (inFront) { front.push(box); }
      el.setAttribute("x", p.sx.toFixed(1));
      el.setAttribute("y", p.sy.toFixed(1));
      el.setAttribute("font-size", size.toFixed(1));
      el.setAttribute("opacity", opacity.toFixed(3));
      el.dataset.depth = p.depth.toFixed(4);
      el.dataset.front = inFront ? "1" : "0";
      el.parentNode.setAttribute("aria-hidden", inFront ? "false" : "true");
    });
    // Paint order = document order: far words first, so near words are drawn over them.
    var svg = document.getElementById("sphere");
    var order = placed.slice().reverse();
    var current = Array.prototype.map.call(svg.children, function (g) { return g.firstChild.dataset.key; });
    if (order.some(function (p, i) { return current[i] !== p.w.key; })) {
      order.forEach(function (p) { var el = s.els.get(p.w.key); if (el) { svg.appendChild(el.parentNode); } });
    }
    svg.dataset.angle = s.angle.toFixed(4);
  }

  function moving() {
    return !reduce.matches && !s.hover && !s.focus && !s.paused && !document.hidden && s.onScreen;
  }

  function tick() {
    if (moving() && s.words.length) {
      s.angle = (s.angle + STEP) % (2 * Math.PI);
      draw();
    }
    document.getElementById("sphere").dataset.rotating = moving() ? "1" : "0";
  }

  function setPaused(paused) { s.paused = paused; }

  function init() {
    var svg = document.getElementById("sphere");
    svg.setAttribute("tabindex", "0");
    svg.addEventListener("pointerenter", function () { s.hover = true; tick(); });
    svg.addEventListener("pointerleave", function () { s.hover = false; });
    svg.addEventListener("focus", function () { s.focus = true; tick(); });
    svg.addEventListener("blur", function () { s.focus = false; });
    svg.addEventListener("keydown", function (e) {
      // The keyboard turns the sphere by hand (also when motion is reduced).
      if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
        e.preventDefault();
        s.angle += e.key === "ArrowLeft" ? -0.3 : 0.3;
        draw();
      }
    });
    svg.addEventListener("click", function (e) {
      var el = e.target.closest ? e.target.closest("text.sphere-word") : null;
      if (el && s.onOpen) { s.onOpen(el.dataset.key, el); }
    });
    if (document.fonts) { document.fonts.ready.then(function () { s.widths.clear(); draw(); }); }
    if (window.IntersectionObserver) {  // no frames for a sphere scrolled out of sight
      new IntersectionObserver(function (entries) {
        s.onScreen = entries[entries.length - 1].isIntersecting;
      }).observe(svg);
    }
    s.timer = setInterval(tick, FRAME_MS);
  }

  TV.sphere = { update: update, init: init, setPaused: setPaused, draw: draw };
})();

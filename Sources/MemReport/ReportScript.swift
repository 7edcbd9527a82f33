/// The report page's charting code (SVG line, area, heat-map and bar charts, sortable tables and the
/// shared zoom), written for this report and inlined into it: no library, no network.
enum ReportScript {
    static let charts = #"""
    "use strict";
    const T0 = performance.now();
    const D = JSON.parse(document.getElementById("report-data").textContent);
    const H = D.head, B = D.base;
    const NS = "http://www.w3.org/2000/svg";
    const COLORS = ["#2b6cb0", "#dd6b20", "#2f855a", "#c53030", "#6b46c1", "#b7791f", "#319795", "#d53f8c", "#4a5568", "#718096", "#9c4221", "#276749"];
    const view = { lo: 0, hi: Math.max(H.lastSeq, B ? B.lastSeq : 0) };
    const redraws = [];
    const tip = document.createElement("div"); tip.className = "tip"; document.body.appendChild(tip);

    function el(tag, attrs, parent, text) {
      const e = tag === "svg" || ["path", "line", "rect", "text", "g", "polyline", "title"].includes(tag)
        ? document.createElementNS(NS, tag) : document.createElement(tag);
      for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
      if (text !== undefined) e.textContent = text;
      if (parent) parent.appendChild(e);
      return e;
    }
    function fmt(v) {
      if (v === null || v === undefined || Number.isNaN(v)) return "—";
      const a = Math.abs(v);
      if (a >= 1e12) return (v / 1e12).toFixed(2) + " T";
      if (a >= 1e9) return (v / 1e9).toFixed(2) + " G";
      if (a >= 1e6) return (v / 1e6).toFixed(2) + " M";
      if (a >= 1e4) return (v / 1e3).toFixed(1) + " k";
      return Number.isInteger(v) ? String(v) : v.toFixed(3);
    }
    function kb(v) { return fmt(v * 1024) + "B"; }
    function legend(parent, items) {
      const d = el("div", { class: "legend" }, parent);
      for (const it of items) { const s = el("span", {}, d); el("i", { style: "background:" + it.color + (it.dashed ? ";opacity:.5" : "") }, s); s.appendChild(document.createTextNode(it.label)); }
    }
    /// Points of a bucketed series [[x, min, max]], x the first event of the bucket.
    function points(s, width) { return s.b.map((b, i) => [b * width, s.min[i], s.max.length ? s.max[i] : s.min[i]]); }

    /// A line (or stacked area) chart over the event axis, honouring the shared zoom.
    /// spec: {series: [{label, color, pts, dashed}], stacked, yfmt, markers: [{seq, label, color}]}
    function lineChart(parent, spec) {
      const box = el("div", {}, parent);
      legend(box, spec.series.filter(s => !s.dashed).concat(spec.series.some(s => s.dashed) ? [{ label: "base run (dashed)", color: "#888", dashed: true }] : []));
      const W = 1000, Ht = spec.height || 220, L = 64, R = 10, Tp = 8, Bt = 22;
      const svg = el("svg", { class: "chart", viewBox: `0 0 ${W} ${Ht}`, "data-chart": spec.id || "" }, box);
      function draw() {
        while (svg.firstChild) svg.removeChild(svg.firstChild);
        const lo = view.lo, hi = Math.max(view.hi, lo + 1);
        const X = x => L + (x - lo) / (hi - lo) * (W - L - R);
        // Stacking: running totals per x, in series order.
        const shown = spec.series.map(s => ({ s, pts: s.pts.filter(p => p[0] >= lo && p[0] <= hi) }));
        if (spec.stacked) {
          const acc = new Map(), accBase = new Map();
          for (const sh of shown) {
            const m = sh.s.dashed ? accBase : acc;
            sh.stack = sh.pts.map(p => { const below = m.get(p[0]) || 0; m.set(p[0], below + p[2]); return [p[0], below, below + p[2]]; });
          }
        }
        let ymax = 0, ymin = 0;
        for (const sh of shown) for (const p of (sh.stack || sh.pts)) { ymax = Math.max(ymax, p[2]); ymin = Math.min(ymin, p[1]); }
        if (ymax <= ymin) ymax = ymin + 1;
        const Y = y => Tp + (1 - (y - ymin) / (ymax - ymin)) * (Ht - Tp - Bt);
        for (let i = 0; i <= 4; i++) {
          const y = ymin + (ymax - ymin) * i / 4;
          el("line", { x1: L, x2: W - R, y1: Y(y), y2: Y(y), stroke: "#eef0f3" }, svg);
          el("text", { x: L - 4, y: Y(y) + 3, "text-anchor": "end" }, svg, (spec.yfmt || fmt)(y));
        }
        for (let i = 0; i <= 5; i++) {
          const x = lo + (hi - lo) * i / 5;
          el("text", { x: X(x), y: Ht - 6, "text-anchor": i === 0 ? "start" : i === 5 ? "end" : "middle" }, svg, fmt(Math.round(x)) + (i === 5 ? " events" : ""));
        }
        for (const m of spec.markers || []) {
          if (m.seq < lo || m.seq > hi) continue;
          const ln = el("line", { x1: X(m.seq), x2: X(m.seq), y1: Tp, y2: Ht - Bt, stroke: m.color || "#a0aec0", "stroke-dasharray": "3 3", "data-marker": m.kind || "phase" }, svg);
          el("title", {}, ln, m.label + " (event " + m.seq + ")");
        }
        for (const sh of shown) {
          if (!sh.pts.length) continue;
          let d = "";
          if (spec.stacked) {
            const top = sh.stack.map(p => `${X(p[0]).toFixed(1)},${Y(p[2]).toFixed(1)}`);
            const bottom = sh.stack.slice().reverse().map(p => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`);
            d = "M" + top.join("L") + "L" + bottom.join("L") + "Z";
            el("path", { d, fill: sh.s.color, "fill-opacity": sh.s.dashed ? 0 : 0.55, stroke: sh.s.color, "stroke-dasharray": sh.s.dashed ? "4 3" : "", "stroke-width": 1 }, svg);
          } else {
            // Each bucket contributes its minimum and its maximum, so a peak inside a bucket shows.
            const seg = [];
            for (const p of sh.pts) { seg.push(`${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`); if (p[2] !== p[1]) seg.push(`${X(p[0]).toFixed(1)},${Y(p[2]).toFixed(1)}`); }
            d = "M" + seg.join("L");
            el("path", { d, fill: "none", stroke: sh.s.color, "stroke-width": 1.5, "stroke-dasharray": sh.s.dashed ? "5 3" : "", opacity: sh.s.dashed ? 0.7 : 1 }, svg);
          }
        }
        // Drag to zoom on a range of events; double-click to reset.
        const hit = el("rect", { x: L, y: Tp, width: W - L - R, height: Ht - Tp - Bt, fill: "transparent" }, svg);
        let start = null, band = null;
        const toSeq = ev => { const r = svg.getBoundingClientRect(); const px = (ev.clientX - r.left) / r.width * W; return lo + (px - L) / (W - L - R) * (hi - lo); };
        hit.addEventListener("mousedown", ev => { start = toSeq(ev); band = el("rect", { y: Tp, height: Ht - Tp - Bt, fill: "#2b6cb0", "fill-opacity": 0.15 }, svg); });
        hit.addEventListener("mousemove", ev => {
          const s = toSeq(ev);
          tip.style.display = "block"; tip.style.left = (ev.clientX + 12) + "px"; tip.style.top = (ev.clientY + 12) + "px";
          tip.textContent = "event " + fmt(Math.round(s));
          if (start !== null && band) { band.setAttribute("x", X(Math.min(start, s))); band.setAttribute("width", Math.abs(X(s) - X(start))); }
        });
        hit.addEventListener("mouseleave", () => { tip.style.display = "none"; });
        hit.addEventListener("mouseup", ev => {
          const s = toSeq(ev);
          if (start !== null && Math.abs(X(s) - X(start)) > 4) { view.lo = Math.max(0, Math.min(start, s)); view.hi = Math.max(start, s); redrawAll(); }
          else if (band) { band.remove(); }
          start = null; band = null;
        });
        hit.addEventListener("dblclick", resetZoom);
      }
      draw(); redraws.push(draw);
      return svg;
    }
    function redrawAll() { for (const f of redraws) f(); document.getElementById("zoom-range").textContent = view.lo > 0 || view.hi < Math.max(H.lastSeq, B ? B.lastSeq : 0) ? `events ${fmt(Math.round(view.lo))}–${fmt(Math.round(view.hi))}` : "whole run"; }
    function resetZoom() { view.lo = 0; view.hi = Math.max(H.lastSeq, B ? B.lastSeq : 0); redrawAll(); }

    /// A heat map: rows × columns of counts, colour on a log scale.
    function heatMap(parent, map, title) {
      el("h3", {}, parent, title || map.title);
      const W = 1000, rowH = Math.max(10, Math.min(18, 260 / Math.max(1, map.rows.length))), L = 260, Tp = 4;
      const Ht = Tp + rowH * map.rows.length + 18;
      const svg = el("svg", { class: "chart", viewBox: `0 0 ${W} ${Ht}`, "data-chart": "heat" }, parent);
      let max = 0; for (const r of map.cells) for (const v of r) max = Math.max(max, v);
      const cw = (W - L - 10) / map.columns, lmax = Math.log1p(max || 1);
      map.rows.forEach((label, r) => {
        el("text", { x: L - 4, y: Tp + r * rowH + rowH * 0.7, "text-anchor": "end" }, svg, label.length > 48 ? label.slice(0, 47) + "…" : label);
        map.cells[r].forEach((v, c) => {
          if (!v) return;
          const t = Math.log1p(v) / lmax;
          const rect = el("rect", { x: (L + c * cw).toFixed(1), y: Tp + r * rowH, width: Math.max(1, cw + 0.3).toFixed(1), height: rowH - 1, fill: `hsl(${220 - 200 * t},75%,${88 - 48 * t}%)` }, svg);
          el("title", {}, rect, `${label}: ${v} at events ${c * map.columnWidth}–${(c + 1) * map.columnWidth - 1}`);
        });
      });
      el("text", { x: L, y: Ht - 4 }, svg, "0");
      el("text", { x: W - 10, y: Ht - 4, "text-anchor": "end" }, svg, fmt(map.columns * map.columnWidth) + " events; darker = more (max " + fmt(max) + ")");
      return svg;
    }

    /// Horizontal bars; with base bars, the base drawn as a thin dark bar under each.
    function bars(parent, items, baseItems, title) {
      if (title) el("h3", {}, parent, title);
      const labels = [...new Set(items.map(b => b.label).concat((baseItems || []).map(b => b.label)))];
      const get = (list, l) => ((list || []).find(b => b.label === l) || { count: 0 }).count;
      const max = Math.max(1, ...labels.map(l => Math.max(get(items, l), get(baseItems, l))));
      const W = 1000, rowH = 16, L = 120, Ht = rowH * labels.length + 4;
      const svg = el("svg", { class: "chart", viewBox: `0 0 ${W} ${Ht}`, "data-chart": "bars" }, parent);
      labels.forEach((l, i) => {
        const v = get(items, l);
        el("text", { x: L - 4, y: i * rowH + 12, "text-anchor": "end" }, svg, l);
        el("rect", { x: L, y: i * rowH + 2, width: Math.max(v ? 1 : 0, v / max * (W - L - 90)), height: rowH - 5, fill: COLORS[0] }, svg);
        if (baseItems) { const bv = get(baseItems, l); el("rect", { x: L, y: i * rowH + rowH - 4, width: bv / max * (W - L - 90), height: 2, fill: "#1d2330" }, svg); }
        el("text", { x: L + v / max * (W - L - 90) + 4, y: i * rowH + 12 }, svg, fmt(v) + (baseItems ? " (base " + fmt(get(baseItems, l)) + ")" : ""));
      });
      return svg;
    }

    /// A sortable table (click a header).
    function table(parent, t, limit) {
      const wrap = el("div", { class: "scroll" }, parent);
      const tb = el("table", {}, wrap);
      const head = el("tr", {}, el("thead", {}, tb));
      const body = el("tbody", {}, tb);
      const numeric = t.columns.map((_, c) => t.rows.length > 0 && t.rows.every(r => typeof r[c] === "number" || r[c] === ""));
      let rows = t.rows.slice(), sortCol = -1, asc = false;
      function fill() {
        body.innerHTML = "";
        for (const r of rows.slice(0, limit || 1000)) {
          const tr = el("tr", {}, body);
          r.forEach((v, c) => el("td", { class: numeric[c] ? "n" : "" }, tr, typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v));
        }
      }
      t.columns.forEach((name, c) => {
        const th = el("th", { class: numeric[c] ? "n" : "" }, head, name);
        th.addEventListener("click", () => {
          asc = sortCol === c ? !asc : !numeric[c]; sortCol = c;
          rows.sort((a, b) => (a[c] < b[c] ? -1 : a[c] > b[c] ? 1 : 0) * (asc ? 1 : -1));
          for (const h of head.children) h.classList.remove("sorted", "asc");
          th.classList.add("sorted"); if (asc) th.classList.add("asc");
          fill();
        });
      });
      fill();
      return tb;
    }
    """#
}

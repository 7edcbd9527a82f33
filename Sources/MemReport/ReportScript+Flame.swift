extension ReportScript {
    /// The call-stack section: a flame graph (SVG, root at the bottom) of `head.flame`, switchable
    /// between bytes, calls, faults, peak, leaks and the bytes live at the end of a window of events
    /// (a slider over the window ends, also set by the time charts' zoom); click a frame to zoom
    /// into it, click the bottom bar to zoom out; hovering shows function, file:line, object and value.
    /// With a base run that has stacks, a second menu draws the base run's graph or the difference:
    /// frames matched by (function, object), width the larger of the two runs' values, red where
    /// this run grew, blue where it shrank (`data-change` on each frame).
    static let flame = #"""
    /// A frame's identity across runs: function and object (frame indexes differ between runs).
    function flameKey(F, f) { return f === -2 ? "[other stacks]" : F.frames[f][0] + "\u0001" + F.frames[f][2]; }
    function flameRoot() { return { key: "", info: ["all", "", ""], vals: [0, 0], children: new Map() }; }
    /// Adds the paths of F with a value to the tree at `root`, in slot 0 (this run) or 1 (base).
    function flameAdd(root, F, valueOf, otherValue, slot) {
      function add(path, v) {
        root.vals[slot] += v; let node = root;
        for (const f of path) {
          const key = flameKey(F, f);
          let c = node.children.get(key);
          if (!c) { c = { key, info: f >= 0 ? F.frames[f] : ["[other stacks]", "", ""], vals: [0, 0], children: new Map() }; node.children.set(key, c); }
          c.vals[slot] += v; node = c;
        }
      }
      F.paths.forEach((path, i) => { const v = valueOf(i); if (v > 0) add(path, v); });
      if (otherValue > 0) add([-2], otherValue);
    }
    function flameLive(F, i, k) {
      const pairs = F.live[i]; let v = 0;
      for (let j = 0; j < pairs.length && pairs[j] <= k; j += 2) v = pairs[j + 1];
      return v;
    }
    /// Each path's value in view `kind` (window `k` for live) and the value of the stacks not kept.
    function flameValues(F, kind, k) {
      if (kind === "live") { const w = Math.min(k, F.livePoints.length - 1); return [i => flameLive(F, i, w), F.liveOther[w] || 0]; }
      return [i => (F.values[kind] || [])[i] || 0, F.other[kind] || 0];
    }
    function flameHue(name) { let h = 0; for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0; return h; }
    /// The difference's colour and `data-change`: red grown, blue shrunk (deeper for a larger share), grey unchanged.
    function flameChange(head, base) {
      if (head === base) return ["same", "#cbd5e0"];
      const r = Math.min(1, Math.abs(head - base) / Math.max(head, base));
      const light = Math.round(85 - 35 * r);
      return head > base ? [base === 0 ? "new" : "grown", `hsl(0,75%,${light}%)`] : [head === 0 ? "gone" : "shrunk", `hsl(215,75%,${light}%)`];
    }

    function stacksSection() {
      const s = section("stacks", "Call stacks");
      const F = H.flame, BF = B ? B.flame : null;
      if (!F) { note(s, "no call stacks in this run (record the program with memreplay record --stacks dwarf, then replay it)"); return; }
      note(s, `${F.paths.length} of ${F.stackCount} call stacks drawn (at most ${F.maxPaths}, the largest of each view; the rest is one [other stacks] frame). `
        + "Each bar is a frame, its width the share of the view; the allocator's own frames are left out, so the top frames are the allocation sites; "
        + "the recorder's own stacks (its start-up, flushes and exit) are under [memreplay recorder]. "
        + "Click a frame to zoom into it, the bottom bar to zoom out."
        + (B && !BF ? " The base run has no call stacks." : "")
        + (BF ? " Against the base run: its graph, or the difference (frames matched by function and object, width the larger of the two, red grown, blue shrunk; the live view compares the same window of each run)." : ""));
      const bar = el("div", { class: "flame-controls" }, s);
      const views = [["bytes", "bytes allocated", "B"], ["calls", "allocation calls", " calls"], ["faults", "page faults", " faults"],
        ["peak", "live at the peak", "B"], ["leaks", "leaked (never freed)", "B"], ["live", "live at the end of the window", "B"]];
      const select = el("select", { id: "flame-view" }, bar);
      for (const [v, label] of views) el("option", { value: v }, select, label);
      let compare = null;
      if (BF) {
        compare = el("select", { id: "flame-compare" }, bar);  // the difference first: --base asks for a comparison
        for (const [v, label] of [["head", "this run"], ["base", "the base run"], ["diff", "difference against the base run"]]) el("option", { value: v }, compare, label);
        compare.value = "diff";
      }
      const last = F.livePoints.length - 1;
      const slider = el("input", { type: "range", id: "flame-window", min: "0", max: String(Math.max(0, last)), value: String(Math.max(0, last)), step: "1" }, bar);
      const windowLabel = el("span", { class: "note", id: "flame-window-label" }, bar);
      const holder = el("div", {}, s);
      let focus = [];  // the keys of the frames from the root to the frame zoomed into

      function draw() {
        const kind = select.value, k = Number(slider.value), mode = compare ? compare.value : "head";
        const unit = views.find(v => v[0] === kind)[2];
        windowLabel.textContent = F.livePoints.length ? (kind === "live" ? "" : "for the live view: ") + `window ends at event ${fmt(F.livePoints[k])}` : "";
        const root = flameRoot();
        if (mode !== "base") { const [v, o] = flameValues(F, kind, k); flameAdd(root, F, v, o, 0); }
        if (mode !== "head") { const [v, o] = flameValues(BF, kind, k); flameAdd(root, BF, v, o, 1); }
        const width = n => mode === "head" ? n.vals[0] : mode === "base" ? n.vals[1] : Math.max(n.vals[0], n.vals[1]);
        let top = root;
        for (const key of focus) { const c = top.children.get(key); if (!c) { focus = []; top = root; break; } top = c; }
        while (holder.firstChild) holder.removeChild(holder.firstChild);
        if (!(width(root) > 0)) { note(holder, "nothing in this view"); return; }
        let depth = 0;
        (function measure(n, d) { depth = Math.max(depth, d); for (const c of n.children.values()) measure(c, d + 1); })(top, 0);
        const W = 1000, rowH = 17, Ht = (depth + 1) * rowH + 4;
        const svg = el("svg", { class: "chart", viewBox: `0 0 ${W} ${Ht}`, "data-chart": mode === "diff" ? "flame-diff" : "flame", "data-view": kind, "data-run": mode }, holder);
        const total = width(top);
        function node(n, x, d, pathTo) {
          const w = width(n) / total * W;
          if (w < 0.4) return;
          const y = Ht - (d + 1) * rowH;
          const name = n === top && focus.length === 0 ? "all" : n.info[0];
          const attrs = { "data-frame": name };
          let fill = n === root || n.key === "[other stacks]" ? "#cbd5e0" : `hsl(${10 + flameHue(name) % 45},80%,${58 + flameHue(name) % 15}%)`;
          if (mode === "diff") { const [change, colour] = flameChange(n.vals[0], n.vals[1]); attrs["data-change"] = change; fill = colour; }
          const g = el("g", attrs, svg);
          el("rect", { x: x.toFixed(2), y, width: Math.max(0.5, w - 0.5).toFixed(2), height: rowH - 1, rx: 2, fill }, g);
          if (w > 36) el("text", { x: (x + 3).toFixed(1), y: y + 12, "pointer-events": "none" }, g, name.length > w / 6.6 ? name.slice(0, Math.max(1, Math.floor(w / 6.6) - 1)) + "…" : name);
          const fr = n.info;
          g.addEventListener("mousemove", ev => {
            tip.style.display = "block"; tip.style.left = (ev.clientX + 12) + "px"; tip.style.top = (ev.clientY + 12) + "px";
            const where = name + (fr[1] ? "  " + fr[1] : "") + (fr[2] ? "  in " + fr[2] : "");
            if (mode === "diff") {
              const d = n.vals[0] - n.vals[1];
              tip.textContent = where + ` — this run ${fmt(n.vals[0])}${unit}, base ${fmt(n.vals[1])}${unit} (${d >= 0 ? "+" : "−"}${fmt(Math.abs(d))}${unit}`
                + (n.vals[1] > 0 ? `, ${(100 * d / n.vals[1]).toFixed(2)} %)` : ")");
            } else {
              tip.textContent = where + " — " + fmt(width(n)) + unit + " (" + (100 * width(n) / width(root)).toFixed(2) + " % of the view)";
            }
          });
          g.addEventListener("mouseleave", () => { tip.style.display = "none"; });
          g.addEventListener("click", () => { focus = n === top ? focus.slice(0, -1) : pathTo; draw(); });
          let cx = x;
          const kids = [...n.children.values()].sort((a, b) => a.info[0] < b.info[0] ? -1 : a.info[0] > b.info[0] ? 1 : a.key < b.key ? -1 : 1);
          for (const c of kids) { node(c, cx, d + 1, pathTo.concat([c.key])); cx += width(c) / total * W; }
        }
        node(top, 0, 0, focus.slice());
      }
      select.addEventListener("change", () => { focus = []; draw(); });
      if (compare) compare.addEventListener("change", draw);
      slider.addEventListener("input", () => { select.value = "live"; draw(); });
      // The time charts' zoom picks the window: its end selects the first window end at or after it.
      redraws.push(() => {
        let k = last;
        for (let i = 0; i <= last; i++) if (F.livePoints[i] >= view.hi) { k = i; break; }
        slider.value = String(k); draw();
      });
      draw();
    }
    """#
}

extension ReportScript {
    /// The call-stack section: a flame graph (SVG, root at the bottom) of `head.flame`, switchable
    /// between bytes, calls, faults, peak, leaks and the bytes live at the end of a window of events
    /// (a slider over the window ends, also set by the time charts' zoom); click a frame to zoom
    /// into it, click the bottom bar to zoom out; hovering shows function, file:line, object and value.
    static let flame = #"""
    /// The frames of the paths with a value in a tree: {frame, value, children: Map, parent}.
    function flameTree(F, valueOf, otherValue) {
      const root = { frame: -1, value: 0, children: new Map(), parent: null };
      function add(path, v) {
        root.value += v; let node = root;
        for (const f of path) {
          let c = node.children.get(f);
          if (!c) { c = { frame: f, value: 0, children: new Map(), parent: node }; node.children.set(f, c); }
          c.value += v; node = c;
        }
      }
      F.paths.forEach((path, i) => { const v = valueOf(i); if (v > 0) add(path, v); });
      if (otherValue > 0) add([-2], otherValue);
      return root;
    }
    function flameLive(F, i, k) {
      const pairs = F.live[i]; let v = 0;
      for (let j = 0; j < pairs.length && pairs[j] <= k; j += 2) v = pairs[j + 1];
      return v;
    }
    function flameHue(name) { let h = 0; for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0; return h; }

    function stacksSection() {
      const s = section("stacks", "Call stacks");
      const F = H.flame;
      if (!F) { note(s, "no call stacks in this run (record the program with memreplay record --stacks dwarf, then replay it)"); return; }
      note(s, `${F.paths.length} of ${F.stackCount} call stacks drawn (at most ${F.maxPaths}, the largest of each view; the rest is one [other stacks] frame). `
        + "Each bar is a frame, its width the share of the view; the allocator's own frames are left out, so the top frames are the allocation sites. "
        + "Click a frame to zoom into it, the bottom bar to zoom out." + (B ? " The base run is not drawn here." : ""));
      const bar = el("div", { class: "flame-controls" }, s);
      const views = [["bytes", "bytes allocated", "B"], ["calls", "allocation calls", " calls"], ["faults", "page faults", " faults"],
        ["peak", "live at the peak", "B"], ["leaks", "leaked (never freed)", "B"], ["live", "live at the end of the window", "B"]];
      const select = el("select", { id: "flame-view" }, bar);
      for (const [v, label] of views) el("option", { value: v }, select, label);
      const last = F.livePoints.length - 1;
      const slider = el("input", { type: "range", id: "flame-window", min: "0", max: String(Math.max(0, last)), value: String(Math.max(0, last)), step: "1" }, bar);
      const windowLabel = el("span", { class: "note", id: "flame-window-label" }, bar);
      const holder = el("div", {}, s);
      let focus = [];  // the frames from the root to the frame zoomed into
      const frameName = f => f === -1 ? "all" : f === -2 ? "[other stacks]" : F.frames[f][0];

      function draw() {
        const kind = select.value, k = Number(slider.value);
        const unit = views.find(v => v[0] === kind)[2];
        windowLabel.textContent = F.livePoints.length ? (kind === "live" ? "" : "for the live view: ") + `window ends at event ${fmt(F.livePoints[k])}` : "";
        const root = kind === "live"
          ? flameTree(F, i => flameLive(F, i, k), F.liveOther[k] || 0)
          : flameTree(F, i => F.values[kind][i], F.other[kind] || 0);
        let top = root;
        for (const f of focus) { const c = top.children.get(f); if (!c) { focus = []; top = root; break; } top = c; }
        while (holder.firstChild) holder.removeChild(holder.firstChild);
        if (!(root.value > 0)) { note(holder, "nothing in this view"); return; }
        let depth = 0;
        (function measure(n, d) { depth = Math.max(depth, d); for (const c of n.children.values()) measure(c, d + 1); })(top, 0);
        const W = 1000, rowH = 17, Ht = (depth + 1) * rowH + 4;
        const svg = el("svg", { class: "chart", viewBox: `0 0 ${W} ${Ht}`, "data-chart": "flame", "data-view": kind }, holder);
        const total = top.value;
        function node(n, x, d, pathTo) {
          const w = n.value / total * W;
          if (w < 0.4) return;
          const y = Ht - (d + 1) * rowH;
          const name = n === top && focus.length === 0 ? "all" : frameName(n.frame);
          const g = el("g", { "data-frame": name }, svg);
          const hue = n.frame < 0 ? 0 : 10 + flameHue(name) % 45;
          el("rect", { x: x.toFixed(2), y, width: Math.max(0.5, w - 0.5).toFixed(2), height: rowH - 1, rx: 2,
            fill: n.frame < 0 ? "#cbd5e0" : `hsl(${hue},80%,${58 + flameHue(name) % 15}%)` }, g);
          if (w > 36) el("text", { x: (x + 3).toFixed(1), y: y + 12, "pointer-events": "none" }, g, name.length > w / 6.6 ? name.slice(0, Math.max(1, Math.floor(w / 6.6) - 1)) + "…" : name);
          const fr = n.frame >= 0 ? F.frames[n.frame] : null;
          g.addEventListener("mousemove", ev => {
            tip.style.display = "block"; tip.style.left = (ev.clientX + 12) + "px"; tip.style.top = (ev.clientY + 12) + "px";
            tip.textContent = name + (fr && fr[1] ? "  " + fr[1] : "") + (fr && fr[2] ? "  in " + fr[2] : "")
              + " — " + fmt(n.value) + unit + " (" + (100 * n.value / root.value).toFixed(2) + " % of the view)";
          });
          g.addEventListener("mouseleave", () => { tip.style.display = "none"; });
          g.addEventListener("click", () => { focus = n === top ? focus.slice(0, -1) : pathTo; draw(); });
          let cx = x;
          const kids = [...n.children.values()].sort((a, b) => frameName(a.frame) < frameName(b.frame) ? -1 : 1);
          for (const c of kids) { node(c, cx, d + 1, pathTo.concat([c.frame])); cx += c.value / total * W; }
        }
        node(top, 0, 0, focus.slice());
      }
      select.addEventListener("change", () => { focus = []; draw(); });
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

extension ReportScript {
    /// The report's sections, drawn from the embedded data (`head`, optional `base` and `diff`).
    static let sections = #"""
    function ser(run, name) { return run ? (run.counters.concat(run.rss, run.kernelRSS, run.allocLayers, run.faults).find(s => s.name === name) || null) : null; }
    /// Head series and, with a base run, the same series dashed.
    function pair(list, width) {
      const out = [];
      list.forEach((it, i) => {
        const color = it.color || COLORS[i % COLORS.length];
        if (it.head) out.push({ label: it.label, color, pts: it.scale ? points(it.head, H.bucketWidth).map(p => [p[0], p[1] * it.scale, p[2] * it.scale]) : points(it.head, H.bucketWidth) });
        if (B && it.base) out.push({ label: it.label + " (base)", color, dashed: true, pts: it.scale ? points(it.base, B.bucketWidth).map(p => [p[0], p[1] * it.scale, p[2] * it.scale]) : points(it.base, B.bucketWidth) });
      });
      return out;
    }
    function byName(names, scale) { return names.map(n => ({ label: n, head: ser(H, n), base: ser(B, n), scale })).filter(it => it.head || it.base); }
    function markers() {
      return H.phases.map(p => ({ seq: p.seq, label: "phase " + p.label, kind: "phase" }))
        .concat(H.oomKills.map(o => ({ seq: o.seq, label: o.label, color: "#c53030", kind: "oom" })));
    }
    function section(id, title) { const s = el("section", { id, "data-section": id }, document.getElementById("main")); el("h2", {}, s, title); return s; }
    function note(parent, text) { return el("p", { class: "note" }, parent, text); }
    function metric(run, name) { return run && run.metrics[name] !== undefined ? run.metrics[name] : null; }

    function summarySection() {
      const s = section("summary", "Summary");
      const r = H.run;
      note(s, `${r.database} · trace ${r.trace} (${r.traceHash}) · memreplay ${r.toolVersion}` + (B ? ` · compared with base ${B.run.database}` : ""));
      const cards = el("div", { class: "cards" }, s);
      const swapTotal = metric(H, "meminfo.SwapTotal"), swapFree = metric(H, "meminfo.SwapFree");
      const items = [
        ["machine", `${r.machine} ${fmt(r.memoryBytes)}B`, null],
        ["program", r.program || r.producer || "—", null],
        ["events", r.events, B && B.run.events],
        ["duration", (r.durationNs / 1e9).toFixed(3) + " s", null],
        ["processes", r.processes, B && B.run.processes],
        ["peak RSS", r.peakRSSkB, B && B.run.peakRSSkB, kb],
        ["faults", metric(H, "vmstat.pgfault"), metric(B, "vmstat.pgfault")],
        ["major faults", metric(H, "vmstat.pgmajfault"), metric(B, "vmstat.pgmajfault")],
        ["OOM kills", metric(H, "vmstat.oom_kill"), metric(B, "vmstat.oom_kill")],
        ["swap used", swapTotal !== null && swapFree !== null ? swapTotal - swapFree : "no swap", null, swapTotal !== null ? kb : null],
        ["MemFree at end", metric(H, "meminfo.MemFree"), metric(B, "meminfo.MemFree"), kb],
        ["Cached at end", metric(H, "meminfo.Cached"), metric(B, "meminfo.Cached"), kb],
        ["AnonPages at end", metric(H, "meminfo.AnonPages"), metric(B, "meminfo.AnonPages"), kb],
        ["pages freed", metric(H, "vmstat.pgfree"), metric(B, "vmstat.pgfree")],
        ["peak requested", metric(H, "alloc.peak_requested_bytes"), metric(B, "alloc.peak_requested_bytes"), v => fmt(v) + "B"],
        ["allocator utilization", metric(H, "alloc.utilization"), metric(B, "alloc.utilization")],
      ];
      for (const [k, v, base, f] of items) {
        if (v === null || v === undefined) continue;
        const c = el("div", { class: "card" }, cards);
        el("div", { class: "k" }, c, k);
        el("div", { class: "v", "data-value": typeof v === "number" ? String(v) : "" }, c, typeof v === "number" ? (f || fmt)(v) : v);
        if (typeof v === "number" && typeof base === "number" && base !== v) {
          const d = v - base;
          el("div", { class: "d " + (d > 0 ? "up" : "down") }, c, (d > 0 ? "+" : "−") + (f || fmt)(Math.abs(d)) + (base ? ` (${(100 * d / Math.abs(base)).toFixed(2)}%)` : "") + " vs base");
        }
      }
      if (r.host) note(s, "recorded on " + r.host);
    }

    function memorySection() {
      const s = section("memory", "Memory over time");
      const stack = byName(["meminfo.AnonPages", "meminfo.Shmem", "meminfo.Cached", "meminfo.MemFree"]);
      const st = ser(H, "meminfo.SwapTotal"), sf = ser(H, "meminfo.SwapFree");
      if (st && sf && st.b.length === sf.b.length) {
        stack.push({ label: "swap used", head: { name: "swap", b: st.b, min: st.b.map((_, i) => st.min[i] - sf.min[i]), max: [] } });
      }
      if (!stack.length) { note(s, "no meminfo counters in this run"); return; }
      note(s, "meminfo, kB, stacked (Cached includes Shmem as in /proc/meminfo). Drag across any time chart to zoom; double-click to reset. Dotted lines: phase markers; red: OOM kills.");
      lineChart(s, { id: "meminfo", series: pair(stack), stacked: true, yfmt: kb, markers: markers() });
      el("h3", {}, s, "RSS per process (anon + file + shmem)");
      const rss = H.rss.map(x => ({ label: x.label, head: x, base: B ? B.rss.find(y => y.name === x.name) : null }));
      if (rss.length) lineChart(s, { id: "rss", series: pair(rss), yfmt: kb, markers: markers() }); else note(s, "no process samples");
    }

    function layersSection() {
      const s = section("layers", "Three layers: requested → allocator → kernel");
      note(s, "What the program asked malloc for (live payload bytes), what the allocator model holds in chunks (with --allocator), and the kernel's RSS of all processes by kind. The gaps between the lines are allocator overhead and fragmentation (requested vs chunks) and memory mapped but untouched or freed but kept (chunks vs RSS).");
      const list = byName(["requested", "model_chunks"], 1 / 1024).concat(byName(["rss_anon", "rss_file", "rss_shmem"]));
      if (!list.length) { note(s, "no allocation calls or process samples in this run"); return; }
      lineChart(s, { id: "layers", series: pair(list), yfmt: kb, markers: markers() });
    }

    function faultsSection() {
      const s = section("faults", "Faults");
      const names = [...new Set(H.faults.map(f => f.name).concat(B ? B.faults.map(f => f.name) : []))];
      if (!names.length) { note(s, "no faults in this run"); return; }
      note(s, `faults per ${fmt(H.bucketWidth)} events, by kind`);
      lineChart(s, { id: "faults", series: pair(byName(names)), markers: markers() });
      if (H.faultHeat) heatMap(s, H.faultHeat, "faults by VMA × time (the busiest VMAs)");
      if (B && B.faultHeat) heatMap(s, B.faultHeat, "base run: faults by VMA × time");
    }

    function buddySection() {
      const s = section("buddy", "Buddy allocator");
      if (!H.buddy.length) note(s, "no buddyinfo counters in this run");
      for (const m of H.buddy) heatMap(s, m);
      const frag = H.counters.filter(c => c.name.startsWith("extfrag.")).map(c => c.name);
      if (frag.length) {
        el("h3", {}, s, "fragmentation index (extfrag_index of orders 3 and 9; −1: allocations succeed, near 1: they fail from fragmentation)");
        lineChart(s, { id: "extfrag", series: pair(byName(frag, 1 / 1000)), markers: markers() });
      }
    }

    function pressureSection() {
      const s = section("pressure", "Reclaim, kswapd, PSI and OOM");
      const re = /^(vmstat\.(pgscan|pgsteal|pswp|workingset|allocstall|kswapd|compact_stall)|phys\.kswapd_wakeups|psi\.|memcg\.|commit\.refusals)/;
      const names = [...new Set(H.counters.map(c => c.name).concat(B ? B.counters.map(c => c.name) : []))].filter(n => re.test(n));
      const active = names.filter(n => { const a = ser(H, n), b = ser(B, n); return (a && a.min.concat(a.max).some(v => v !== 0)) || (b && b.min.concat(b.max).some(v => v !== 0)); });
      if (active.length) {
        note(s, "cumulative counters (vmstat, kswapd wakeups) and PSI/memcg gauges as the run stores them; red lines: OOM kills");
        lineChart(s, { id: "pressure", series: pair(byName(active)), markers: markers() });
      } else {
        note(s, `no reclaim, swap or pressure activity in this run (${names.length} such counters present, all zero)`);
      }
      const kills = H.oomKills.concat(B ? B.oomKills.map(o => ({ seq: o.seq, label: "base: " + o.label })) : []);
      el("h3", {}, s, `OOM kills: ${H.oomKills.length}` + (B ? ` (base ${B.oomKills.length})` : ""));
      if (kills.length) { const ul = el("ul", {}, s); for (const k of kills) el("li", { "data-oom": k.seq }, ul, `event ${k.seq}: ${k.label}`); }
    }

    function allocationsSection() {
      const s = section("allocations", "Allocations");
      if (!H.allocSizes.length) { note(s, "no malloc-family calls in this run"); return; }
      bars(s, H.allocSizes, B ? B.allocSizes : null, "request sizes (bytes, power-of-two buckets)");
      el("h3", {}, s, "live payload bytes");
      const live = byName(["requested"]);
      if (live.length) lineChart(s, { id: "live", series: pair(live), yfmt: v => fmt(v) + "B", markers: markers() });
      if (H.allocPaths) { el("h3", {}, s, "the allocator model's paths"); table(s, H.allocPaths); }
    }

    function hardwareSection() {
      const s = section("hardware", "Hardware");
      if (!H.hardware) { note(s, "the hardware model did not run (replay with --set hw.preset=cachegrind|seed-x86info|host)"); return; }
      el("h3", {}, s, "TLB and cache miss rates per phase");
      table(s, H.hardware.byPhase);
      bars(s, H.hardware.latency, B && B.hardware ? B.hardware.latency : null, "latency (cycles)");
      if (H.hardware.dram.length) bars(s, H.hardware.dram, B && B.hardware ? B.hardware.dram : null, "DRAM row outcomes");
    }

    function topSection() {
      const s = section("top", "Top VMAs and processes");
      el("h3", {}, s, "processes by peak RSS (click a column to sort)");
      table(s, H.topProcesses);
      el("h3", {}, s, "VMAs by faults");
      if (H.topVMAs.rows.length) table(s, H.topVMAs); else note(s, "no faults in VMAs");
    }

    function diffSection() {
      if (!D.diff) return;
      const s = section("diff", "Metric diff against the base run");
      const c = D.diff.counts;
      note(s, `${D.diff.entries.length} metrics: ${c.changed} changed, ${c.unchanged} unchanged, ${c.added} added, ${c.removed} removed`);
      const label = el("label", {}, s); const box = el("input", { type: "checkbox" }, label); label.appendChild(document.createTextNode(" show unchanged metrics too"));
      const holder = el("div", {}, s);
      function fill() {
        holder.innerHTML = "";
        const rows = D.diff.entries.filter(e => box.checked || e[4] !== "unchanged");
        table(holder, { columns: ["metric", "base", "head", "change", "change %", "status"], rows: rows.map(e => [e[0], e[1] === null ? "" : e[1], e[2] === null ? "" : e[2], e[3] === null ? "" : e[3], e[5] === null ? "" : e[5], e[4]]) });
      }
      box.addEventListener("change", fill); fill();
    }

    summarySection(); memorySection(); layersSection(); faultsSection(); buddySection(); pressureSection();
    allocationsSection(); stacksSection(); hardwareSection(); topSection(); diffSection();
    document.getElementById("reset-zoom").addEventListener("click", resetZoom);
    // performance.now() counts from the start of navigation: the total includes reading and parsing the page.
    const renderMs = performance.now() - T0, totalMs = performance.now();
    document.body.setAttribute("data-render-ms", renderMs.toFixed(1));
    document.body.setAttribute("data-ready-ms", totalMs.toFixed(1));
    console.log("memreplay report rendered in " + renderMs.toFixed(1) + " ms, ready " + totalMs.toFixed(1) + " ms after navigation start");
    """#
}

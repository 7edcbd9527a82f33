#!/usr/bin/env bash
# Seed 002's JVM story end to end: a HotSpot 17 G1 JVM near 90% of a 2 GiB machine (the article's
# `free` shows MemTotal 2,031,744 kB and a 2 GiB swap file), replayed without swap, with 2 GiB of
# swap, in a memory cgroup below its footprint, and with a heap past RAM (with and without swap).
# Prints one Markdown table row per run, every figure read from the run database.
# Usage: scripts/seed002-jvm.sh [MEMREPLAY] [WORKDIR]
#   MEMREPLAY defaults to .build/release/memreplay; WORKDIR (kept) to a temporary directory (removed).
set -euo pipefail
bin="${1:-.build/release/memreplay}"
if [ ! -x "$bin" ]; then echo "seed002-jvm: $bin: not an executable (swift build -c release --product memreplay)" >&2; exit 2; fi
if [ -n "${2:-}" ]; then work="$2"; mkdir -p "$work"; else work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT; fi

# The machine: 2 GiB installed, 64 MiB kept by the kernel → MemTotal 2,031,616 kB (the article's 2,031,744).
machine=(--set memory=2G --set kernel_reserved=64M)
# The JVM: sized for that machine, 2 CPUs, 8 application threads allocating 300 MB/s for 10 s of
# virtual time, 1200 MiB of long-lived data (the old generation fills up; the heap commits to -Xmx).
jvm=(--ram 2G --cpus 2 --threads 8 --alloc-rate 300 --duration 10 --live 1200M --seed 1)

synth() {   # name xmx
    [ -f "$work/$1.mrt" ] || "$bin" synth jvm "${jvm[@]}" --xmx "$2" -o "$work/$1.mrt" > "$work/$1.synth.txt"
}
synth x1824 1824M     # -Xmx = 89% of RAM
synth x2560 2560M     # -Xmx = 125% of RAM: the "bigger heap"

# run name trace settings…
runs=(
    "90-noswap|x1824|"
    "90-swap2g|x1824|--set swap=2G"
    "90-memcg1536|x1824|--set memcg.max=1536M"
    "125-noswap|x2560|"
    "125-swap2g|x2560|--set swap=2G"
)

q() { "$bin" query "$1" "$2" --format csv | tail -n +2; }

echo "| run | -Xmx | settings | peak RSS java (kB) | MemAvailable min (kB) | swap used max (kB) | pswpout | major faults | PSI some avg10 max / at end (%) | PSI full total (ms) | java stall (ms) | OOM kill | young GCs | full GCs | replay (s) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for spec in "${runs[@]}"; do
    IFS='|' read -r name trace settings <<< "$spec"
    db="$work/$name.db"
    # shellcheck disable=SC2086
    if [ ! -f "$db" ]; then
        start=$(date +%s.%N)
        "$bin" replay "$work/$trace.mrt" -o "$db" -q "${machine[@]}" $settings
        secs=$(echo "$(date +%s.%N) - $start" | bc)
        printf '%.0f' "$secs" > "$work/$name.secs"
    fi
    pid=$(q "$db" "SELECT pid FROM processes WHERE image LIKE '%/java' ORDER BY pid LIMIT 1")
    # The JVM's events end at its death (a killed JVM's later events are those of a dead process).
    last=$(q "$db" "SELECT CASE end_seq WHEN 0 THEN (SELECT max(seq) FROM events) ELSE end_seq END FROM processes WHERE pid = $pid")
    row=$(q "$db" "
      SELECT (SELECT max(rss_kb) FROM v_rss WHERE pid = $pid) AS rss,
             (SELECT min(value) FROM v_counters WHERE counter = 'meminfo.MemAvailable') AS avail,
             (SELECT coalesce(max(t.value - f.value), 0) FROM counter_samples t
                JOIN counter_samples f ON f.seq = t.seq
               WHERE t.counter = (SELECT id FROM counter_names WHERE name = 'meminfo.SwapTotal')
                 AND f.counter = (SELECT id FROM counter_names WHERE name = 'meminfo.SwapFree')) AS swap,
             (SELECT max(value) FROM v_counters WHERE counter = 'vmstat.pswpout') AS pswpout,
             (SELECT max(value) FROM v_counters WHERE counter = 'vmstat.pgmajfault') AS majflt,
             (SELECT printf('%.2f', max(value) / 100.0) FROM v_counters WHERE counter = 'psi.memory.some_avg10') AS some10,
             (SELECT printf('%.1f', max(value) / 1000.0) FROM v_counters WHERE counter = 'psi.memory.full_total_us') AS fullms,
             (SELECT printf('%.1f', coalesce(sum(total_ns), 0) / 1e6) FROM stalls WHERE pid = $pid) AS stallms,
             (SELECT count(*) FROM v_phases WHERE name LIKE '%Pause Young%' AND start_seq <= $last) AS young,
             (SELECT count(*) FROM v_phases WHERE name LIKE '%Pause Full%' AND start_seq <= $last) AS full" | tr ',' ' ')
    read -r rss avail swap pswpout majflt some10 fullms stallms young full <<< "$row"
    end10=$("$bin" proc pressure/memory "$db" | awk '/^some/ { sub("avg10=", "", $2); print $2 }')
    kill=$("$bin" proc dmesg "$db" | grep -E 'Killed process' | head -1 | sed -E 's/.*Killed process [0-9]+ \(([^)]*)\).*anon-rss:([0-9]+kB).*oom_score_adj:(-?[0-9]+).*/\1, anon-rss \2, oom_score_adj \3/' || true)
    case "$("$bin" proc dmesg "$db" | grep -c 'Memory cgroup out of memory' || true)" in 0) ;; *) kill="memcg: $kill" ;; esac
    xmx="$(( $(q "$db" "SELECT json_extract(trace_header_json, '\$.attributes.\"jvm.MaxHeapSize\"') FROM runs") >> 20 ))M"
    echo "| $name | ${xmx:-?} | ${settings:-none} | $rss | $avail | $swap | $pswpout | $majflt | $some10 / $end10 | $fullms | $stallms | ${kill:-none} | $young | $full | $(cat "$work/$name.secs" 2>/dev/null || echo '?') |"
done

#!/usr/bin/env bash
# Seed 002's Redis story end to end: a redis-server whose dataset is 60% of RAM, write-heavy while
# a BGSAVE child lives, replayed under vm.overcommit_memory 0, 1 and 2 (2 with the default ratio 50
# and with ratio 80) and with THP off and on. Which fork fails, the COW, whom the OOM killer kills,
# Committed_AS and CommitLimit at the fork. Prints one Markdown table row per run, every figure
# read from the run database.
# The machine: 16 GiB scaled down 8× with the same proportions (2 GiB installed, 38 MiB kept by the
# kernel, as desktop-16g keeps 300 MiB of 16 GiB): the 16 GiB story is 73.5 M events, which replays
# in about 10 minutes a run on this 2-CPU VM (see docs/synthesizers.md); at 2 GiB a run takes 1–2.
# Usage: [SCALE=8] [RUNS="m0-thpoff m2r80-thpoff"] scripts/seed002-redis.sh [MEMREPLAY] [WORKDIR]
#   MEMREPLAY defaults to .build/release/memreplay; WORKDIR (kept) to a temporary directory (removed).
#   SCALE multiplies the machine, the keys and the commands (SCALE=8: the 16 GiB machine itself);
#   RUNS picks runs by name (default: all); REPLAY_OPTS adds replay options, e.g. "--rows
#   process,memory,file,control" (every figure below is read from rows that option keeps).
set -euo pipefail
bin="${1:-.build/release/memreplay}"
if [ ! -x "$bin" ]; then echo "seed002-redis: $bin: not an executable (swift build -c release --product memreplay)" >&2; exit 2; fi
if [ -n "${2:-}" ]; then work="$2"; mkdir -p "$work"; else work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT; fi

scale="${SCALE:-1}"
case "$scale" in ''|*[!0-9]*|0) echo "seed002-redis: SCALE=$scale: expected a positive integer" >&2; exit 2 ;; esac
machine=(--set memory=$((2 * scale))G --set kernel_reserved=$((38 * scale))M)
# The server: 125,000 keys of 10,000-byte values (the 10,240-byte class: used_memory 1.29 GB, 60%
# of the 2 GiB), loaded at 20,000 SET/s, BGSAVE right after the load (the child writes the RDB at
# 256 MB/s, about 5 s), and 150,000 more commands at 20,000/s, 80% SET over uniformly chosen keys:
# 200 MB/s of new values while the child lives.
redis=(--keys $((125000 * scale)) --value-size 10000 --ops $((150000 * scale)) --mix get=20,set=80 --ops-per-sec 20000 --bgsave-after-load --seed 1)

synth() {   # name extra-options…
    local name="$1"; shift
    [ -f "$work/$name.mrt" ] || "$bin" synth redis "${redis[@]}" "$@" -o "$work/$name.mrt" > "$work/$name.synth.txt"
}
need() {    # the trace a run replays, synthesized on first use
    case "$1" in
        thpoff) synth thpoff ;;                    # Redis saw THP off: its child dismisses the values it has written
        thpon) synth thpon --redis-thp-always ;;   # Redis saw THP always: no dismissObject in the child
        # Heavier writes: only SETs, at 30,000/s (300 MB/s of new values while the child lives).
        thpoff-w) synth thpoff-w --mix get=0,set=100 --ops-per-sec 30000 ;;
        thpon-w) synth thpon-w --mix get=0,set=100 --ops-per-sec 30000 --redis-thp-always ;;
    esac
}

# run name|trace|overcommit|settings…
runs=(
    "m0-thpoff|thpoff|0|--set thp.enabled=never"
    "m1-thpoff|thpoff|1|--set thp.enabled=never"
    "m2-thpoff|thpoff|2|--set thp.enabled=never"
    "m2r80-thpoff|thpoff|2|--set vm.overcommit_ratio=80 --set thp.enabled=never"
    "m0-thpon|thpon|0|--set thp.enabled=always"
    "m1-thpon|thpon|1|--set thp.enabled=always"
    "m2r80-thpon|thpon|2|--set vm.overcommit_ratio=80 --set thp.enabled=always"
    "m1-kthp|thpoff|1|--set thp.enabled=always"   # the kernel's THP alone: Redis still dismisses
    "m1-thpoff-w|thpoff-w|1|--set thp.enabled=never"
    "m1-thpon-w|thpon-w|1|--set thp.enabled=always"
)

q() { "$bin" query "$1" "$2" --format csv | tail -n +2; }
mib() { awk -v p="$1" 'BEGIN { printf "%.0f", p * 4096 / 1048576 }'; }

echo "| run | trace | overcommit | settings | fork | Committed_AS at fork (kB) | CommitLimit (kB) | mmap refusals | COW copies parent / child (pages) | COW (MiB) | parent reuses | peak RSS parent / child (kB) | MemAvailable min (kB) | OOM kill | server / child exit | replay (s) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for spec in "${runs[@]}"; do
    IFS='|' read -r name trace mode settings <<< "$spec"
    if [ -n "${RUNS:-}" ] && [[ " $RUNS " != *" $name "* ]]; then continue; fi
    db="$work/$name.db"
    # shellcheck disable=SC2086
    if [ ! -f "$db" ]; then
        need "$trace"
        start=$(date +%s.%N)
        "$bin" replay "$work/$trace.mrt" -o "$db" -q "${machine[@]}" --set vm.overcommit_memory="$mode" $settings ${REPLAY_OPTS:-}
        printf '%.0f' "$(echo "$(date +%s.%N) - $start" | bc)" > "$work/$name.secs"
    fi
    parent=$(q "$db" "SELECT pid FROM processes WHERE parent = 1 ORDER BY pid LIMIT 1")
    read -r fseq child errno <<< "$(q "$db" "SELECT pe.seq, pe.process, pe.errno FROM process_events pe JOIN process_ops o ON o.id = pe.op
                                             WHERE o.name = 'fork' ORDER BY pe.seq LIMIT 1" | tr ',' ' ')"
    fork="none"; committed="-"; limit="-"
    died=$(q "$db" "SELECT end_seq FROM processes WHERE pid = $parent AND end_seq < ${fseq:-0} AND exit_status != 0")
    if [ -n "$died" ]; then
        # The server died before the BGSAVE (a refused growth mmap, then a store into it): the
        # trace's fork is a dead process's event.
        # Committed_AS and CommitLimit are then those before its death.
        fork="never (server died at seq $died)"; child=""; fseq=$died
    fi
    if [ -n "${fseq:-}" ]; then
        [ -n "$died" ] || case "$errno" in 0) fork="ok" ;; 12) fork="**ENOMEM**" ;; *) fork="errno $errno" ;; esac
        at=$("$bin" proc meminfo "$db" --at $((fseq - 1)))
        committed=$(awk '/^Committed_AS:/ { print $2 }' <<< "$at"); limit=$(awk '/^CommitLimit:/ { print $2 }' <<< "$at")
    fi
    row=$(q "$db" "
      SELECT (SELECT count(*) FROM memory_calls m JOIN events e ON e.seq = m.seq JOIN memory_ops o ON o.id = m.op
               WHERE o.name = 'mmap' AND m.errno != 0 AND e.pid = $parent) AS refused,
             (SELECT count(*) FROM v_faults WHERE kind = 'cow_copy' AND pid = $parent AND seq > coalesce(${fseq:-0}, 0)) AS pcopy,
             (SELECT count(*) FROM v_faults WHERE kind = 'cow_copy' AND pid = ${child:-0}) AS ccopy,
             (SELECT count(*) FROM v_faults WHERE kind IN ('cow_reuse', 'thp_reuse') AND pid = $parent AND seq > coalesce(${fseq:-0}, 0)) AS preuse,
             (SELECT coalesce(max(rss_kb), 0) FROM v_rss WHERE pid = $parent) AS prss,
             (SELECT coalesce(max(rss_kb), 0) FROM v_rss WHERE pid = ${child:-0}) AS crss,
             (SELECT min(value) FROM v_counters WHERE counter = 'meminfo.MemAvailable') AS avail,
             (SELECT coalesce((SELECT exit_status FROM processes WHERE pid = $parent), '')) AS pexit,
             (SELECT coalesce((SELECT exit_status FROM processes WHERE pid = ${child:-0}), 'no child')) AS cexit" | tr ',' ' ')
    read -r refused pcopy ccopy preuse prss crss avail pexit cexit <<< "$row"
    kill=$(q "$db" "SELECT victim_name || ' ' || victim || ', anon-rss ' || anon_rss_kb || ' kB' FROM oom_kills ORDER BY seq" | paste -sd ';' -)
    echo "| $name | $trace | $mode | ${settings} | $fork | $committed | $limit | $refused | $pcopy / $ccopy | $(mib $((pcopy + ccopy))) | $preuse | $prss / $crss | $avail | ${kill:-none} | $pexit / $cexit | $(cat "$work/$name.secs" 2>/dev/null || echo '?') |"
done

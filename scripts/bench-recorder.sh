#!/usr/bin/env bash
# Recorder overhead and size: the churn program (1,000,000 malloc/free pairs of mixed sizes)
# natively, under the bare interposer (LD_PRELOAD only, the raw segments), under the WHOLE
# `memreplay record` command (run, merge, convert, write the .mrt) and under heaptrack's whole
# command, each RUNS times interleaved (the minimum wall time counts, which filters out a shared
# machine's noise); then the trace's bytes per event against heaptrack's file.
# Usage: scripts/bench-recorder.sh [path/to/memreplay] [pairs] [runs]
set -euo pipefail
MEMREPLAY=${1:-.build/release/memreplay}
PAIRS=${2:-1000000}
RUNS=${3:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/churn" "$root/Tests/Fixtures/recorder/churn.c"
# The interposer as `record` uses it (built on first use into the cache).
"$MEMREPLAY" record -q -o "$work/warm.mrt" -- true
so=$("$MEMREPLAY" inspect "$work/warm.mrt" | sed -n 's/^attribute: *recorder.interposer = //p')
now() { date +%s.%N; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }
best_native=999; best_bare=999; best_rec=999; best_none=999; best_ht=999
for i in $(seq "$RUNS"); do
    t0=$(now); "$work/churn" "$PAIRS" >/dev/null; t1=$(now)
    best_native=$(min "$(echo "$t1 - $t0" | bc -l)" "$best_native")
    rm -rf "$work/raw"; mkdir "$work/raw"
    t0=$(now); MEMREPLAY_DIR="$work/raw" LD_PRELOAD="$so" "$work/churn" "$PAIRS" >/dev/null; t1=$(now)
    best_bare=$(min "$(echo "$t1 - $t0" | bc -l)" "$best_bare")
    rm -f "$work/churn.mrt"
    t0=$(now); "$MEMREPLAY" record -q -o "$work/churn.mrt" -- "$work/churn" "$PAIRS" >/dev/null; t1=$(now)
    best_rec=$(min "$(echo "$t1 - $t0" | bc -l)" "$best_rec")
    rm -f "$work/none.mrt"
    t0=$(now); "$MEMREPLAY" record -q --accesses none -o "$work/none.mrt" -- "$work/churn" "$PAIRS" >/dev/null; t1=$(now)
    best_none=$(min "$(echo "$t1 - $t0" | bc -l)" "$best_none")
    if command -v heaptrack >/dev/null 2>&1; then
        rm -f "$work"/ht.*
        t0=$(now); heaptrack -o "$work/ht" "$work/churn" "$PAIRS" >/dev/null 2>&1; t1=$(now)
        best_ht=$(min "$(echo "$t1 - $t0" | bc -l)" "$best_ht")
    fi
done
events=$("$MEMREPLAY" inspect "$work/churn.mrt" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["events"])' 2>/dev/null || echo $((2 * PAIRS)))
mrt=$(stat -c %s "$work/churn.mrt")
r() { echo "$1" | bc -l; }
echo "churn: $PAIRS malloc/free pairs, best of $RUNS interleaved runs (wall time of each whole command)"
printf "  native                         %8.3f s\n" "$best_native"
printf "  bare interposer (LD_PRELOAD)   %8.3f s   %.2fx native\n" "$best_bare" "$(r "$best_bare / $best_native")"
printf "  memreplay record (whole)       %8.3f s   %.2fx native (goal <= 3x)\n" "$best_rec" "$(r "$best_rec / $best_native")"
printf "  record --accesses none (whole) %8.3f s   %.2fx native\n" "$best_none" "$(r "$best_none / $best_native")"
if [ "$best_ht" != 999 ]; then
    htsize=$(stat -c %s "$work"/ht.* | head -1)
    printf "  heaptrack (whole)              %8.3f s   %.2fx native\n" "$best_ht" "$(r "$best_ht / $best_native")"
    printf "  added time ratio               (record - native) / (heaptrack - native) = %.3f (goal <= 0.25)\n" \
        "$(r "($best_rec - $best_native) / ($best_ht - $best_native)")"
    printf "  added time ratio, none         (record --accesses none - native) / (heaptrack - native) = %.3f\n" \
        "$(r "($best_none - $best_native) / ($best_ht - $best_native)")"
    printf "  heaptrack file                 %8d bytes  %.2f bytes/event (no addresses)\n" "$htsize" "$(r "$htsize / (2 * $PAIRS)")"
fi
printf "  memreplay trace                %8d bytes  %.2f bytes/event over %d events (every address kept; goal <= 2)\n" \
    "$mrt" "$(r "$mrt / $events")" "$events"

#!/usr/bin/env bash
# Recorder overhead and size, in one run: the churn program (1,000,000 malloc/free pairs of mixed
# sizes) natively, under `memreplay record`'s interposer, and under heaptrack, each RUNS times
# interleaved (the minimum wall time counts, which filters out a shared machine's noise); then
# the trace's bytes per allocation event against heaptrack's file.
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
best_native=999; best_rec=999; best_ht=999
for i in $(seq "$RUNS"); do
    t0=$(now); "$work/churn" "$PAIRS" >/dev/null; t1=$(now)
    best_native=$(echo "$t1 - $t0" | bc -l | awk -v b="$best_native" '{print ($1 < b ? $1 : b)}')
    rm -rf "$work/raw"; mkdir "$work/raw"
    t0=$(now); MEMREPLAY_DIR="$work/raw" LD_PRELOAD="$so" "$work/churn" "$PAIRS" >/dev/null; t1=$(now)
    best_rec=$(echo "$t1 - $t0" | bc -l | awk -v b="$best_rec" '{print ($1 < b ? $1 : b)}')
    if command -v heaptrack >/dev/null 2>&1; then
        rm -f "$work"/ht.*
        t0=$(now); heaptrack -o "$work/ht" "$work/churn" "$PAIRS" >/dev/null 2>&1; t1=$(now)
        best_ht=$(echo "$t1 - $t0" | bc -l | awk -v b="$best_ht" '{print ($1 < b ? $1 : b)}')
    fi
done
"$MEMREPLAY" record -q -o "$work/churn.mrt" -- "$work/churn" "$PAIRS"
events=$("$MEMREPLAY" inspect "$work/churn.mrt" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(v for k,v in d.get("counts",{}).items() if k in ("malloc","free")))' 2>/dev/null || echo $((2 * PAIRS)))
mrt=$(stat -c %s "$work/churn.mrt")
echo "churn: $PAIRS malloc/free pairs, best of $RUNS interleaved runs"
printf "  native                 %8.3f s\n" "$best_native"
printf "  memreplay interposer   %8.3f s   %.2fx native (goal <= 2x)\n" "$best_rec" "$(echo "$best_rec / $best_native" | bc -l)"
if [ "$best_ht" != 999 ]; then
    htsize=$(stat -c %s "$work"/ht.* | head -1)
    printf "  heaptrack              %8.3f s   %.2fx native\n" "$best_ht" "$(echo "$best_ht / $best_native" | bc -l)"
    printf "  slowdown ratio         memreplay %.3f of heaptrack's (goal < 0.2)\n" \
        "$(echo "($best_rec - $best_native) / ($best_ht - $best_native)" | bc -l)"
    printf "  heaptrack file         %8d bytes  %.2f bytes/event (no addresses)\n" "$htsize" "$(echo "$htsize / (2 * $PAIRS)" | bc -l)"
fi
printf "  memreplay trace        %8d bytes  %.2f bytes/event (every address kept; goal <= 2)\n" "$mrt" "$(echo "$mrt / (2 * $PAIRS)" | bc -l)"

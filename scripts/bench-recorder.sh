#!/usr/bin/env bash
# Recorder overhead and size: the churn program (1,000,000 malloc/free pairs of mixed sizes)
# natively, under the bare interposer (LD_PRELOAD only, the plain raw segments, no stacks), under the
# WHOLE `memreplay record` command (run, pack the raw recording) with --stacks none (the cheapest
# mode: issue 11's measure), by default (--stacks dwarf: whole call stacks by `.eh_frame`, for
# allocation calls and page faults), with --accesses none (no perf) and with --convert now (run,
# merge, convert, write the trace), those two with --stacks none, and under heaptrack's whole
# command, each RUNS times interleaved (the minimum wall time counts, which filters out a shared
# machine's noise); then `memreplay convert` of the default's raw recording (best of RUNS), and
# the trace's bytes per event against heaptrack's file. The goal of issue 11 is the whole-command
# ratio, record / heaptrack <= 0.25 (and record <= 3x native); the added-time ratio
# (record - native) / (heaptrack - native), which older docs quoted, is printed too.
# Usage: scripts/bench-recorder.sh [path/to/memreplay] [pairs] [runs]
set -euo pipefail
MEMREPLAY=${1:-.build/release/memreplay}
PAIRS=${2:-1000000}
RUNS=${3:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/churn" "$root/Tests/Fixtures/recorder/churn.c"
# The interposer as `record` uses it (built on first use into the cache), and the tick rate.
"$MEMREPLAY" record -q --convert now -o "$work/warm.mrt" -- true
so=$("$MEMREPLAY" inspect "$work/warm.mrt" | sed -n 's/^attribute: *recorder.interposer = //p')
now() { date +%s.%N; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }
elapsed() { echo "$2 - $1" | bc -l; }
best_native=999; best_bare=999; best_rec=999; best_dwarf=999; best_none=999; best_now=999; best_ht=999; best_conv=999
for i in $(seq "$RUNS"); do
    t0=$(now); "$work/churn" "$PAIRS" >/dev/null; t1=$(now)
    best_native=$(min "$(elapsed "$t0" "$t1")" "$best_native")
    rm -rf "$work/raw"; mkdir "$work/raw"
    t0=$(now); MEMREPLAY_DIR="$work/raw" LD_PRELOAD="$so" "$work/churn" "$PAIRS" >/dev/null; t1=$(now)
    best_bare=$(min "$(elapsed "$t0" "$t1")" "$best_bare")
    rm -f "$work/churn.mrt"
    t0=$(now); "$MEMREPLAY" record -q --stacks none -o "$work/churn.mrt" -- "$work/churn" "$PAIRS" >/dev/null; t1=$(now)
    best_rec=$(min "$(elapsed "$t0" "$t1")" "$best_rec")
    rm -f "$work/dwarf.mrt"
    t0=$(now); "$MEMREPLAY" record -q -o "$work/dwarf.mrt" -- "$work/churn" "$PAIRS" >/dev/null; t1=$(now)
    best_dwarf=$(min "$(elapsed "$t0" "$t1")" "$best_dwarf")
    rm -f "$work/none.mrt"
    t0=$(now); "$MEMREPLAY" record -q --stacks none --accesses none -o "$work/none.mrt" -- "$work/churn" "$PAIRS" >/dev/null; t1=$(now)
    best_none=$(min "$(elapsed "$t0" "$t1")" "$best_none")
    rm -f "$work/now.mrt"
    t0=$(now); "$MEMREPLAY" record -q --stacks none --convert now -o "$work/now.mrt" -- "$work/churn" "$PAIRS" >/dev/null; t1=$(now)
    best_now=$(min "$(elapsed "$t0" "$t1")" "$best_now")
    if command -v heaptrack >/dev/null 2>&1; then
        rm -f "$work"/ht.*
        t0=$(now); heaptrack -o "$work/ht" "$work/churn" "$PAIRS" >/dev/null 2>&1; t1=$(now)
        best_ht=$(min "$(elapsed "$t0" "$t1")" "$best_ht")
    fi
done
raw_size=$(stat -c %s "$work/churn.mrt")
for i in $(seq "$RUNS"); do
    rm -f "$work/converted.mrt"
    t0=$(now); "$MEMREPLAY" convert -q "$work/churn.mrt" -o "$work/converted.mrt"; t1=$(now)
    best_conv=$(min "$(elapsed "$t0" "$t1")" "$best_conv")
done
cmp -s "$work/converted.mrt" "$work/churn.mrt" && { echo "convert -o changed its input" >&2; exit 1; }
events=$("$MEMREPLAY" inspect "$work/converted.mrt" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["events"])')
mrt=$(stat -c %s "$work/converted.mrt")
r() { echo "$1" | bc -l; }
echo "churn: $PAIRS malloc/free pairs, best of $RUNS interleaved runs (wall time of each whole command); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  uptime: $(uptime)"
printf "  native                              %8.3f s\n" "$best_native"
printf "  bare interposer (LD_PRELOAD)        %8.3f s   %.2fx native\n" "$best_bare" "$(r "$best_bare / $best_native")"
printf "  record --stacks none (raw)          %8.3f s   %.2fx native (goal <= 3x)\n" "$best_rec" "$(r "$best_rec / $best_native")"
printf "  record (default: --stacks dwarf)    %8.3f s   %.2fx native (goal <= 3x)\n" "$best_dwarf" "$(r "$best_dwarf / $best_native")"
printf "  record --accesses none (no stacks)  %8.3f s   %.2fx native\n" "$best_none" "$(r "$best_none / $best_native")"
printf "  record --convert now (no stacks)    %8.3f s   %.2fx native\n" "$best_now" "$(r "$best_now / $best_native")"
if [ "$best_ht" != 999 ]; then
    htsize=$(stat -c %s "$work"/ht.* | head -1)
    printf "  heaptrack (whole)                   %8.3f s   %.2fx native\n" "$best_ht" "$(r "$best_ht / $best_native")"
    printf "  WHOLE-COMMAND RATIO (issue 11)      record / heaptrack = %.3f with --stacks none (goal <= 0.25), %.3f with --stacks dwarf\n" \
        "$(r "$best_rec / $best_ht")" "$(r "$best_dwarf / $best_ht")"
    printf "  added time ratio, --stacks none     (record - native) / (heaptrack - native) = %.3f\n" \
        "$(r "($best_rec - $best_native) / ($best_ht - $best_native)")"
    printf "  added time ratio, --stacks dwarf    %.3f (goal <= 0.30)\n" "$(r "($best_dwarf - $best_native) / ($best_ht - $best_native)")"
    printf "  added time ratio, --accesses none   %.3f\n" "$(r "($best_none - $best_native) / ($best_ht - $best_native)")"
    printf "  added time ratio, --convert now     %.3f\n" "$(r "($best_now - $best_native) / ($best_ht - $best_native)")"
    printf "  heaptrack file                      %8d bytes  %.2f bytes/event (no addresses)\n" "$htsize" "$(r "$htsize / (2 * $PAIRS)")"
fi
printf "  memreplay convert (raw -> trace)    %8.3f s   %.2f M events/s over %d events\n" \
    "$best_conv" "$(r "$events / $best_conv / 1000000")" "$events"
printf "  raw recording                       %8d bytes  %.2f bytes/event\n" "$raw_size" "$(r "$raw_size / $events")"
printf "  memreplay trace                     %8d bytes  %.2f bytes/event (every address kept; goal <= 2)\n" \
    "$mrt" "$(r "$mrt / $events")"

#!/usr/bin/env bash
# Overhead of `record --accesses faults`, in one run: a program that touches 1 GiB of anonymous
# memory (Tests/Fixtures/recorder/touchfork.c, mode touch; THP off for the range) natively, under
# the whole `memreplay record` command (default: a raw recording) and with --convert now (the
# trace merged before it returns), RUNS times interleaved (best wall time counts); then the
# trace's bytes per fault-derived touch.
# Usage: scripts/bench-faults.sh [path/to/memreplay] [MiB] [runs]
set -euo pipefail
MEMREPLAY=${1:-.build/release/memreplay}
MIB=${2:-1024}
RUNS=${3:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/touch" "$root/Tests/Fixtures/recorder/touchfork.c"
"$MEMREPLAY" record -q -o "$work/warm.mrt" -- true >/dev/null
now() { date +%s.%N; }
best_native=999; best_rec=999; best_now=999
for i in $(seq "$RUNS"); do
    t0=$(now); "$work/touch" touch "$MIB" >/dev/null; t1=$(now)
    best_native=$(echo "$t1 - $t0" | bc -l | awk -v b="$best_native" '{print ($1 < b ? $1 : b)}')
    t0=$(now); "$MEMREPLAY" record -q -o "$work/touch.mrt" -- "$work/touch" touch "$MIB" >/dev/null; t1=$(now)
    best_rec=$(echo "$t1 - $t0" | bc -l | awk -v b="$best_rec" '{print ($1 < b ? $1 : b)}')
    rm -f "$work/now.mrt"
    t0=$(now); "$MEMREPLAY" record -q --convert now -o "$work/now.mrt" -- "$work/touch" touch "$MIB" >/dev/null; t1=$(now)
    best_now=$(echo "$t1 - $t0" | bc -l | awk -v b="$best_now" '{print ($1 < b ? $1 : b)}')
done
"$MEMREPLAY" convert -q "$work/touch.mrt"
size=$("$MEMREPLAY" inspect "$work/touch.mrt" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(round(sum(k["events"] * k["compressedBytesPerEvent"] for k in d["kinds"] if k["kind"].startswith("touch_"))))')
touches=$("$MEMREPLAY" inspect "$work/touch.mrt" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(k["events"] for k in d["kinds"] if k["kind"].startswith("touch_")))')
lost=$("$MEMREPLAY" inspect "$work/touch.mrt" | sed -n 's/^attribute: *recorder.fault_samples_lost = //p')
echo "touch: $MIB MiB written once per page, best of $RUNS interleaved runs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "  native                          %8.3f s\n" "$best_native"
printf "  memreplay record (whole command) %8.3f s   %.2fx native (goal <= 2x)\n" "$best_rec" "$(echo "$best_rec / $best_native" | bc -l)"
printf "  record --convert now            %8.3f s   %.2fx native\n" "$best_now" "$(echo "$best_now / $best_native" | bc -l)"
printf "  trace                           %8d compressed bytes of touches, %d touches, %.2f bytes/touch (goal <= 2), %s samples lost\n" \
    "$size" "$touches" "$(echo "$size / $touches" | bc -l)" "$lost"

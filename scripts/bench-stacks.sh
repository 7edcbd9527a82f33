#!/usr/bin/env bash
# Call-stack overhead, side by side in one run: the churn program (1,000,000 malloc/free pairs,
# built -O2 as Debian builds, i.e. without frame pointers) natively, under heaptrack's whole
# command, and under the whole `memreplay record` command with --stacks none, fp and dwarf, each
# RUNS times interleaved (the minimum wall time counts). Then each trace's size per allocation
# event and the stacks' mean depth (`memreplay inspect --format json`).
# Usage: scripts/bench-stacks.sh [path/to/memreplay] [pairs] [runs] [record options...]
set -euo pipefail
MEMREPLAY=${1:-.build/release/memreplay}
PAIRS=${2:-1000000}
RUNS=${3:-5}
shift $(( $# < 3 ? $# : 3 ))
EXTRA=("$@")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/churn" "$root/Tests/Fixtures/recorder/churn.c"
"$MEMREPLAY" record -q -o "$work/warm.mrt" -- true
now() { date +%s.%N; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }
declare -A best
for k in native heaptrack none fp dwarf; do best[$k]=999; done
for i in $(seq "$RUNS"); do
    t0=$(now); "$work/churn" "$PAIRS" >/dev/null; t1=$(now)
    best[native]=$(min "$(echo "$t1 - $t0" | bc -l)" "${best[native]}")
    if command -v heaptrack >/dev/null 2>&1; then
        rm -f "$work"/ht.*
        t0=$(now); heaptrack -o "$work/ht" "$work/churn" "$PAIRS" >/dev/null 2>&1; t1=$(now)
        best[heaptrack]=$(min "$(echo "$t1 - $t0" | bc -l)" "${best[heaptrack]}")
    fi
    for mode in none fp dwarf; do
        rm -f "$work/$mode.mrt"
        t0=$(now); "$MEMREPLAY" record -q --stacks "$mode" "${EXTRA[@]}" -o "$work/$mode.mrt" -- "$work/churn" "$PAIRS" >/dev/null; t1=$(now)
        best[$mode]=$(min "$(echo "$t1 - $t0" | bc -l)" "${best[$mode]}")
    done
done
r() { echo "$1" | bc -l; }
echo "churn: $PAIRS malloc/free pairs, best of $RUNS interleaved runs (wall time of each whole command); load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "  %-26s %8.3f s\n" native "${best[native]}"
if [ "${best[heaptrack]}" != 999 ]; then
    printf "  %-26s %8.3f s   added %.3f s\n" heaptrack "${best[heaptrack]}" "$(r "${best[heaptrack]} - ${best[native]}")"
fi
for mode in none fp dwarf; do
    json=$("$MEMREPLAY" inspect "$work/$mode.mrt" --format json)
    read -r allocs depth < <(echo "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(k["events"] for k in d["kinds"] if k["family"] == "alloc"), d["stacks"]["meanDepth"])')
    size=$(stat -c %s "$work/$mode.mrt")
    line=$(printf "  %-26s %8.3f s   added %.3f s" "record --stacks $mode" "${best[$mode]}" "$(r "${best[$mode]} - ${best[native]}")")
    if [ "${best[heaptrack]}" != 999 ]; then
        line+=$(printf ", %.3f of heaptrack's added time" "$(r "(${best[$mode]} - ${best[native]}) / (${best[heaptrack]} - ${best[native]})")")
    fi
    line+=$(printf "; %.3f bytes per allocation event (%d bytes, %d alloc events), mean depth %.2f" \
        "$(r "$size / $allocs")" "$size" "$allocs" "$depth")
    echo "$line"
done

#!/usr/bin/env bash
# A/B of two interposer builds under the same `memreplay` binary, on churn (1,000,000 malloc/free
# pairs by default): native, the bare interposer (LD_PRELOAD only), the whole `record` command
# (default, --accesses none, --stacks dwarf) with each build passed as --interposer, and heaptrack's
# whole command, RUNS times interleaved; the best wall time of each counts. Prints the whole-command
# ratio record / heaptrack for each build (the goal of issue 11 is <= 0.25).
# Usage: scripts/bench-recorder-ab.sh BINARY OLD.so NEW.so [runs] [pairs]
#   (an interposer: cc -O2 -fno-omit-frame-pointer -fPIC -shared -o X.so Sources/CRecorder/*.c -ldl -lpthread,
#    plus -lzstd for builds before the plain segments)
set -euo pipefail
B=$1; OLD=$2; NEW=$3; N=${4:-7}; P=${5:-1000000}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/churn" "$root/Tests/Fixtures/recorder/churn.c"
"$B" record -q -o "$work/warm.mrt" -- true
now() { date +%s%N; }
declare -A best
run() {
    local k=$1; shift
    rm -rf "$work/dir" "$work/t.mrt" "$work"/ht.*; mkdir -p "$work/dir"
    local s; s=$(now); "$@" >/dev/null 2>&1; local e; e=$(now)
    local t=$(( (e - s) / 100000 ))
    if [ -z "${best[$k]:-}" ] || [ "$t" -lt "${best[$k]}" ]; then best[$k]=$t; fi
}
for i in $(seq "$N"); do
    run native "$work/churn" "$P"
    run bare_old env MEMREPLAY_DIR="$work/dir" LD_PRELOAD="$OLD" "$work/churn" "$P"
    run bare_new env MEMREPLAY_DIR="$work/dir" LD_PRELOAD="$NEW" "$work/churn" "$P"
    run rec_old "$B" record -q --interposer "$OLD" -o "$work/t.mrt" -- "$work/churn" "$P"
    run rec_new "$B" record -q --interposer "$NEW" -o "$work/t.mrt" -- "$work/churn" "$P"
    run none_old "$B" record -q --accesses none --interposer "$OLD" -o "$work/t.mrt" -- "$work/churn" "$P"
    run none_new "$B" record -q --accesses none --interposer "$NEW" -o "$work/t.mrt" -- "$work/churn" "$P"
    run dwarf_new "$B" record -q --stacks dwarf --interposer "$NEW" -o "$work/t.mrt" -- "$work/churn" "$P"
    run dwarf_old "$B" record -q --stacks dwarf --interposer "$OLD" -o "$work/t.mrt" -- "$work/churn" "$P"
    if command -v heaptrack >/dev/null 2>&1; then run heaptrack heaptrack -o "$work/ht" "$work/churn" "$P"; fi
done
echo "churn $P pairs, best of $N interleaved runs; uptime: $(uptime)"
for k in native bare_old bare_new rec_old rec_new none_old none_new dwarf_old dwarf_new heaptrack; do
    [ -n "${best[$k]:-}" ] && printf "  %-10s %7.1f ms\n" "$k" "$(echo "${best[$k]} / 10" | bc -l)"
done
if [ -n "${best[heaptrack]:-}" ]; then
    r() { echo "scale=3; ${best[$1]} / ${best[heaptrack]}" | bc -l; }
    echo "  whole-command ratio record / heaptrack: old $(r rec_old), new $(r rec_new); --stacks dwarf old $(r dwarf_old), new $(r dwarf_new)"
fi

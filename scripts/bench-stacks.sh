#!/usr/bin/env bash
# Call-stack overhead, side by side in one run: the churn program (1,000,000 malloc/free pairs,
# built -O2 as Debian builds, i.e. without frame pointers) natively, under heaptrack's whole
# command, and under the whole `memreplay record` command with --stacks none, fp and dwarf, each
# RUNS times interleaved (the minimum wall time counts). Then each trace's size per allocation
# event and the stacks' mean depth (`memreplay inspect --format json`).
# `record`'s default is --stacks dwarf (--fault-stacks auto: dwarf too).
# Then the call stacks of page faults: the program that touches FAULT_MIB MiB (default 1024;
# Tests/Fixtures/recorder/touchfork.c, mode touch) natively and under the whole
# `record --convert now` command with --stacks none, fp and dwarf (--fault-stacks auto: none,
# callchain, callchain) and with --stacks dwarf --fault-stacks dwarf (8 KiB of user stack per
# fault), RUNS times interleaved, and the trace's bytes per fault-derived touch with its stack
# (FAULT_MIB=0 skips this part).
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

FAULT_MIB=${FAULT_MIB:-1024}
[ "$FAULT_MIB" -gt 0 ] || exit 0
cc -O2 -o "$work/touch" "$root/Tests/Fixtures/recorder/touchfork.c"
declare -A fbest
# mode -> record options: the three --stacks modes (fault stacks by auto) and dwarf fault stacks.
declare -A fopts=([none]="--stacks none" [fp]="--stacks fp" [dwarf]="--stacks dwarf" [fdwarf]="--stacks dwarf --fault-stacks dwarf")
fmodes=(none fp dwarf fdwarf)
for k in native "${fmodes[@]}"; do fbest[$k]=999; done
for i in $(seq "$RUNS"); do
    t0=$(now); "$work/touch" touch "$FAULT_MIB" >/dev/null; t1=$(now)
    fbest[native]=$(min "$(echo "$t1 - $t0" | bc -l)" "${fbest[native]}")
    for mode in "${fmodes[@]}"; do
        rm -f "$work/f-$mode.mrt"
        # shellcheck disable=SC2086
        t0=$(now); "$MEMREPLAY" record -q --convert now ${fopts[$mode]} -o "$work/f-$mode.mrt" -- "$work/touch" touch "$FAULT_MIB" >/dev/null; t1=$(now)
        fbest[$mode]=$(min "$(echo "$t1 - $t0" | bc -l)" "${fbest[$mode]}")
    done
done
echo "touch: $FAULT_MIB MiB written page by page, best of $RUNS interleaved runs (whole record --convert now command); load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "  %-26s %8.3f s\n" native "${fbest[native]}"
for mode in "${fmodes[@]}"; do
    read -r touches withstack bytes lost < <("$MEMREPLAY" inspect "$work/f-$mode.mrt" --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
t = [k for k in d["kinds"] if k["kind"].startswith("touch_")]
print(sum(k["events"] for k in t), d["stacks"]["touchesWithStack"],
      round(sum(k["events"] * k["compressedBytesPerEvent"] for k in t)), d["header"]["attributes"].get("recorder.fault_samples_lost", "?"))')
    printf "  %-44s %8.3f s   %.2fx native, %.2fx --stacks none; %d touches (%d with a stack), %.3f bytes per touch; %s samples lost\n" \
        "record ${fopts[$mode]}" "${fbest[$mode]}" "$(r "${fbest[$mode]} / ${fbest[native]}")" "$(r "${fbest[$mode]} / ${fbest[none]}")" \
        "$touches" "$withstack" "$(r "$bytes / $touches")" "$lost"
done

#!/bin/bash
# Replays lackey traces of the C programs in Tests/Fixtures/hardware through the `cachegrind`
# preset and compares I1, D1 and LL miss counts with valgrind cachegrind's own, with the same
# geometry. Usage: scripts/cachegrind-compare.sh [MEMREPLAY] [I1 D1 LL]
# Exit 0 when every count is within max(0.1%, 10 events); logs go to a temporary directory.
set -euo pipefail
BIN=${1:-.build/release/memreplay}
I1=${2:-32768,8,64}; D1=${3:-32768,8,64}; LL=${4:-8388608,16,64}
for tool in valgrind gcc; do command -v $tool >/dev/null || { echo "cachegrind-compare: $tool not installed, skipped"; exit 0; }; done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
NAMES=(Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw)
status=0
printf '%-14s %-6s %12s %12s %8s\n' program event cachegrind memreplay diff
for src in "$ROOT"/Tests/Fixtures/hardware/*.c; do
  p=$(basename "$src" .c)
  gcc -O1 -o "$WORK/$p" "$src"
  valgrind --tool=lackey --trace-mem=yes --log-file="$WORK/$p.log" "$WORK/$p" >/dev/null
  valgrind --tool=cachegrind --cache-sim=yes --I1=$I1 --D1=$D1 --LL=$LL --cachegrind-out-file="$WORK/$p.cg" "$WORK/$p" >/dev/null 2>&1
  "$BIN" import lackey "$WORK/$p.log" -o "$WORK/$p.mrt" >/dev/null
  rm -f "$WORK/$p.log"
  "$BIN" replay "$WORK/$p.mrt" -q --set hw.preset=cachegrind --set hw.I1=$I1 --set hw.D1=$D1 --set hw.LL=$LL -o "$WORK/$p.db"
  read -r -a cg <<<"$(sed -n 's/^summary: //p' "$WORK/$p.cg")"
  for i in "${!NAMES[@]}"; do
    n=${NAMES[$i]}
    ours=$("$BIN" query "$WORK/$p.db" "SELECT CAST(value AS INTEGER) FROM metrics WHERE name = 'cachegrind.$n'" --format csv | tail -1)
    theirs=${cg[$i]}
    d=$(( ours > theirs ? ours - theirs : theirs - ours ))
    allowed=$(( theirs / 1000 > 10 ? theirs / 1000 : 10 ))
    mark=""; if [ "$d" -gt "$allowed" ]; then mark="  <-- beyond max(0.1%, 10)"; status=1; fi
    printf '%-14s %-6s %12s %12s %8s%s\n' "$p" "$n" "$theirs" "$ours" "$d" "$mark"
  done
done
exit $status

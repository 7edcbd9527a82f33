#!/usr/bin/env bash
# Runs the commands of docs/ci.md's workflow ("Replay on both", "Diff") locally with two builds.
# Usage: scripts/ci-local.sh BASE_MEMREPLAY HEAD_MEMREPLAY [TRACE] [OUTDIR]
# Prints the markdown diff; exit status as `memreplay diff` (0 pass, 1 a threshold passed, 2 error).
set -euo pipefail
base_bin="$1"; head_bin="$2"; trace="${3:-traces/rec-redis.mrt}"; out="${4:-out/ci}"
THRESHOLDS="--threshold vmstat.pgfault=+5% --threshold meminfo.AnonPages=+10% --threshold vmstat.oom_kill=+0"
mkdir -p "$out"
"$base_bin" replay "$trace" -o "$out/base.db" -q
"$head_bin" replay "$trace" -o "$out/head.db" -q
"$head_bin" report "$out/head.db" --base "$out/base.db" -o "$out/memory-report.html" -q
set +e
# shellcheck disable=SC2086
"$head_bin" diff "$out/base.db" "$out/head.db" $THRESHOLDS --group phase > "$out/diff.md"
status=$?
set -e
cat "$out/diff.md"
echo "ci-local: diff exit status $status; report $out/memory-report.html" >&2
exit $status

#!/usr/bin/env bash
# Replays every sample trace in traces/ and compares its metrics with traces/baselines/NAME.json.
# Any change in any metric fails (exit 1): the model is deterministic, so a change is either a bug
# or an intended change, to be committed with `make baselines`.
# Usage: scripts/regress.sh MEMREPLAY [--update]
set -euo pipefail
bin="$1"; update="${2:-}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
status=0
for trace in traces/*.mrt; do
    name="$(basename "$trace" .mrt)"
    "$bin" replay "$trace" -o "$work/$name.db" --quiet
    if [ "$update" = "--update" ]; then
        "$bin" metrics "$work/$name.db" > "traces/baselines/$name.json"
        echo "regress: wrote traces/baselines/$name.json"
        continue
    fi
    if [ ! -f "traces/baselines/$name.json" ]; then
        echo "regress: no baseline for $trace (run make baselines)" >&2; status=1; continue
    fi
    if "$bin" diff "traces/baselines/$name.json" "$work/$name.db" --threshold '*=0' > "$work/$name.md"; then
        echo "regress: $name: metrics unchanged"
    else
        rc=$?
        echo "regress: $name: metrics changed (exit $rc)" >&2
        cat "$work/$name.md" >&2
        status=1
    fi
done
exit $status

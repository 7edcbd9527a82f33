#!/usr/bin/env bash
# Compares what two builds' run databases answer: every query in queries/, and every row of the
# views and tables whose names and columns users' SQL relies on (events, hw_accesses, the v_*
# views), on every sample trace in traces/, replayed without and with the hardware model.
# Used to check a schema change (issue 15: one row per event) against the build before it:
#   git archive <old-commit> | tar -x -C /tmp/old && (cd /tmp/old && swift build -c release --scratch-path .build-old)
#   scripts/compare-queries.sh /tmp/old/.build-old/release/memreplay .build/release/memreplay
# The old build's databases are asked the query files of its own tree (OLD_QUERIES, default
# queries/ here): a query rewritten for the new schema must give the rows the old one gave.
# Prints one line per trace and run, and the first differing lines of any difference; exit 1 on one.
# Usage: [OLD_QUERIES=/tmp/old/queries] scripts/compare-queries.sh OLD_MEMREPLAY NEW_MEMREPLAY [TRACE…]
set -euo pipefail
old="$1"; new="$2"; shift 2
traces=("$@"); [ ${#traces[@]} -gt 0 ] || traces=(traces/*.mrt)
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
views=(events hw_accesses v_events v_accesses v_hw_accesses v_faults v_memory_calls v_alloc_calls v_file_calls
       v_control_events v_phases v_counters v_rss v_stalls v_alloc_outcomes)
status=0
# Every row of every query and view, in the order it returns them (views ordered by all columns:
# their own order is not part of their definition).
answers() {
    local bin="$1" db="$2" dir="$3"
    for q in queries/*.sql; do
        echo "== $q"
        "$bin" query "$db" "$dir/$(basename "$q")" --format csv
    done
    for v in "${views[@]}"; do
        echo "== $v"
        "$bin" query "$db" "SELECT * FROM $v ORDER BY $(seq -s, 1 "$("$bin" query "$db" "SELECT count(*) FROM pragma_table_info('$v')" --format csv | tail -1)")" --format csv
    done
}
for trace in "${traces[@]}"; do
    name="$(basename "$trace" .mrt)"
    for mode in plain hw; do
        opts=(); [ "$mode" = hw ] && opts=(--set hw.preset=seed-x86info)
        "$old" replay "$trace" -o "$work/old.db" --quiet "${opts[@]}"
        "$new" replay "$trace" -o "$work/new.db" --quiet "${opts[@]}"
        answers "$old" "$work/old.db" "${OLD_QUERIES:-queries}" > "$work/old.txt"
        answers "$new" "$work/new.db" queries > "$work/new.txt"
        if cmp -s "$work/old.txt" "$work/new.txt"; then
            echo "compare-queries: $name ($mode): $(grep -c '^== ' "$work/new.txt") queries and views, $(wc -l < "$work/new.txt") lines, identical"
        else
            echo "compare-queries: $name ($mode): DIFFERENT" >&2
            diff "$work/old.txt" "$work/new.txt" | head -20 >&2 || true
            status=1
        fi
    done
done
exit $status

#!/usr/bin/env bash
# `synth redis` against a real recording: records this machine's redis-server under redis-benchmark
# (SETs, a BGSAVE while more SETs run, GETs), synthesizes the same schedule with `synth redis`,
# replays both and prints the signatures side by side as a Markdown table.
# Usage: scripts/redis-real.sh [MEMREPLAY] [WORKDIR] [N] [KEYS] [VALUE] [N_DURING_BGSAVE]
#   defaults: .build/release/memreplay, a temporary directory (removed), 20000 SETs and GETs over
#   10000 keys (redis-benchmark -r) of 100-byte values, 5000 SETs during the BGSAVE.
set -euo pipefail
bin="${1:-.build/release/memreplay}"
if [ ! -x "$bin" ]; then echo "redis-real: $bin: not an executable (swift build -c release --product memreplay)" >&2; exit 2; fi
if [ -n "${2:-}" ]; then work="$2"; mkdir -p "$work"; else work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT; fi
n="${3:-20000}"; keys="${4:-10000}"; size="${5:-100}"; m="${6:-5000}"
for p in redis-server redis-benchmark redis-cli; do
    command -v "$p" > /dev/null || { echo "redis-real: $p not installed (apt-get install redis-server redis-tools)" >&2; exit 2; }
done
rm -f "$work"/real.* "$work"/synth.* "$work"/*.rdb

# A port nobody listens on.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Without call stacks (`record`'s default is --stacks dwarf): the figures compared are the server's
# own, and the recorder's stack arena and trie would add theirs — 12,796 kB peak RSS against
# 9,924 kB synthesized, and 970 COW copies against 698 (the parent writing its arena while the
# BGSAVE child shares it), measured 7 December 21:55 with the default.
"$bin" record --stacks none -o "$work/real.mrt" -- /usr/bin/redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$work" --daemonize no --logfile "$work/redis.log" > "$work/record.txt" 2>&1 &
recorder=$!
cli() { timeout 60 redis-cli -p "$port" "$@"; }
stop() { cli shutdown nosave > /dev/null 2>&1 || true; wait "$recorder" || true; }
trap 'stop; [ -n "${2:-}" ] || rm -rf "$work"' EXIT
for _ in $(seq 100); do cli ping 2> /dev/null | grep -q PONG && break; sleep 0.1; done
bench() { timeout 300 redis-benchmark -p "$port" -r "$keys" -d "$size" -q "$@" > /dev/null; }
bench -n "$n" -t set
# The child sleeps 100 µs per key (rdb-key-save-delay), so the next SETs all land while it lives.
cli config set rdb-key-save-delay 100 > /dev/null
cli bgsave > /dev/null
bench -n "$m" -t set
for _ in $(seq 600); do cli info persistence | grep -q 'rdb_bgsave_in_progress:0' && break; sleep 0.1; done
bench -n "$n" -t get
cowinfo=$(cli info persistence | tr -d '\r' | awk -F: '/^rdb_last_cow_size:/ { print $2 }')
cowlog=$(grep -o 'Fork CoW for RDB: .*' "$work/redis.log" | head -1 || true)
stop
trap '[ -n "${2:-}" ] || rm -rf "$work"' EXIT

"$bin" synth redis --keys "$keys" --value-size "$size" --no-preload --clients 50 --reconnect --rdb-rate 1M \
    --phases "$n@set=100;bgsave;$m@set=100;$n@get=100" -o "$work/synth.mrt" > "$work/synth.txt"
"$bin" replay "$work/real.mrt" -o "$work/real.db" -q
"$bin" replay "$work/synth.mrt" -o "$work/synth.db" -q

# jemalloc's size classes for a 16-byte quantum (sc.c): 8, then multiples of 16 up to 64, then
# four classes per doubling — the classes RedisSizeClasses(quantum: 16) holds.
hist="WITH RECURSIVE p(x) AS (SELECT 64 UNION ALL SELECT x * 2 FROM p WHERE x < 1099511627776),
  s AS (SELECT CASE WHEN op = 'calloc' THEN size * max(count, 1) ELSE size END AS sz, count(*) AS n
          FROM v_alloc_calls WHERE op IN ('malloc', 'calloc', 'realloc') GROUP BY 1),
  c AS (SELECT n, CASE WHEN sz <= 8 THEN 8 WHEN sz <= 64 THEN (sz + 15) / 16 * 16
                       ELSE (SELECT (sz + x / 4 - 1) / (x / 4) * (x / 4) FROM p WHERE x < sz AND x * 2 >= sz) END AS cls FROM s)
  SELECT cls, sum(n) FROM c GROUP BY cls"
q() { "$bin" query "$1" "$2" --format csv | tail -n +2; }
q "$work/real.db" "$hist" > "$work/real.hist"; q "$work/synth.db" "$hist" > "$work/synth.hist"
tvd=$(awk -F, 'FNR == 1 { f++ } { n[f, $1] = $2; t[f] += $2; c[$1] = 1 }
    END { for (k in c) { d = n[1, k] / t[1] - n[2, k] / t[2]; s += d < 0 ? -d : d }; printf "%.4f", s / 2 }' \
    "$work/real.hist" "$work/synth.hist")
sig() {
    q "$1" "SELECT (SELECT max(rss_kb) FROM v_rss WHERE pid = (SELECT min(pid) FROM processes)),
                   (SELECT max(live_bytes) FROM v_alloc_calls),
                   (SELECT value FROM metrics WHERE name = 'faults.cow_copy'),
                   (SELECT count(*) FROM v_memory_calls WHERE op = 'mmap'),
                   (SELECT count(*) FROM v_memory_calls WHERE op = 'madvise'),
                   (SELECT count(*) FROM v_alloc_calls WHERE op IN ('malloc', 'calloc', 'realloc'))" | tr ',' ' '
}
read -r rr rl rc rm ra rn <<< "$(sig "$work/real.db")"
# The recorder's own zstd workspace (the parent's first file-less region that is no maps-snapshot
# line and smaller than a thread stack) takes COW copies no unrecorded redis-server has.
own=$(q "$work/real.db" "WITH r AS (SELECT address AS a, length AS n FROM v_memory_calls
        WHERE pid = (SELECT min(pid) FROM processes) AND op = 'region' AND file = 0
          AND flags & $((1 << 30)) = 0 AND length < 8388608 ORDER BY seq LIMIT 1)
      SELECT count(*) FROM v_faults, r WHERE kind = 'cow_copy' AND address >= r.a AND address < r.a + r.n")
read -r sr sl sc sm sa sn <<< "$(sig "$work/synth.db")"
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }'; }
echo "| figure | real redis-server (recorded, replayed) | synth redis (replayed) | difference |"
echo "|---|---|---|---|"
echo "| allocation calls (malloc, calloc, realloc) | $rn | $sn | $(pct "$sn" "$rn") |"
echo "| size-class histogram, total variation distance | | | $tvd |"
echo "| peak RSS of the server (kB) | $rr | $sr | $(pct "$sr" "$rr") |"
echo "| peak live bytes | $rl | $sl | $(pct "$sl" "$rl") |"
echo "| COW copies (pages) | ${rc%.0} (INFO rdb_last_cow_size $cowinfo B = $((cowinfo / 4096)) pages; log: $cowlog), $own of them in the recorder's workspace | ${sc%.0} | $(pct "$sc" "$rc") |"
echo "| COW copies without the recorder's (pages) | $(( ${rc%.0} - own )) | ${sc%.0} | $(pct "$sc" "$(( ${rc%.0} - own ))") |"
echo "| mmap calls | $rm | $sm | |"
echo "| madvise calls | $ra | $sa | |"

#!/usr/bin/env bash
# Records real programs with `memreplay record` (page faults captured by perf), replays each on
# `--machine host --set page_cache=warm` (the recording host had the files cached; PAGE_CACHE=cold
# for an empty page cache) and prints one markdown row per program: the kernel's own minor + major fault
# count for the whole process tree (`recorder.real_minor_faults` + `recorder.real_major_faults`,
# perf counting events) next to the model's `vmstat.pgfault`, and the largest real peak RSS of the
# tree (`recorder.real_max_rss_kb`: wait4's ru_maxrss, the largest VmHWM of any process of the
# tree, of the same recorded run) next to the largest `status.<pid>.VmHWM` of the model.
# For redis also the BGSAVE child's copy-on-write: Redis's own "Fork CoW for RDB" line next to the
# model's COW faults of the child.
# Usage: scripts/real-programs.sh [MEMREPLAY] [python|gcc|java|redis ...]
set -euo pipefail
bin="$(realpath "${1:-.build/release/memreplay}")"
shift || true
programs=("${@:-python gcc java redis}")
programs=(${programs[*]})
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
if [ -n "${KEEP:-}" ]; then echo "work directory: $work" >&2; else trap 'rm -rf "$work"' EXIT; fi

attr() { "$bin" inspect "$1" | awk -v k="$2" '$1 == "attribute:" && $2 == k { print $4 }'; }
metric() { "$bin" metrics "$1" | tr -d ' ",' | awk -F: -v k="$2" '$1 == k { print $2 }'; }
maxhwm() { "$bin" metrics "$1" | tr -d ' ",' | awk -F: '$1 ~ /^status\.[0-9]+\.VmHWM$/ && $2 > m { m = $2 } END { print m + 0 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.2f%%", (a - b) * 100 / b }'; }

row() {   # key label trace
    local name="$2" trace="$3" db="$work/$1.db"
    "$bin" replay "$trace" -o "$db" --machine host --set page_cache="${PAGE_CACHE:-warm}" -q
    local minor major real model rss hwm procs
    minor=$(attr "$trace" recorder.real_minor_faults); major=$(attr "$trace" recorder.real_major_faults)
    real=$((minor + major)); model=$(metric "$db" vmstat.pgfault); model=${model%.*}
    rss=$(attr "$trace" recorder.real_max_rss_kb); hwm=$(maxhwm "$db")
    procs=$("$bin" query "$db" "select count(*) from processes" --format csv | tail -1)
    echo "| $name | $procs | $real | $model | $(pct "$model" "$real") | $rss | $hwm | $(pct "$hwm" "$rss") |"
    if [ -n "${VERBOSE:-}" ]; then
        "$bin" metrics "$db" | grep -E '"(faults\.|touches\.|kernel\.touches|status\.)' | grep -v ': 0,' >&2
    fi
}

echo "| program | processes | real faults (minor+major) | model vmstat.pgfault | Δ | real peak RSS kB (max ru_maxrss) | model max VmHWM kB | Δ |"
echo "|---|---|---|---|---|---|---|---|"
for prog in "${programs[@]}"; do
case "$prog" in
python)
    "$bin" record -o "$work/py.mrt" -- /usr/bin/python3 -c "x = [i * 2 for i in range(3_000_000)]" > /dev/null 2>&1
    row py 'python3 `[i*2 for i in range(3_000_000)]`' "$work/py.mrt" ;;
gcc)
    cp "$root/Tests/Fixtures/recorder/list.c" "$work/some.c"
    (cd "$work" && "$bin" record -o "$work/gcc.mrt" -- /usr/bin/gcc -O2 -c some.c -o some.o > /dev/null 2>&1)
    row gcc 'gcc -O2 -c (gcc, cc1, as)' "$work/gcc.mrt" ;;
java)
    javac -d "$work" "$root/Tests/Fixtures/recorder/Alloc.java"
    "$bin" record -o "$work/java.mrt" -- /usr/bin/java -Xmx256m -cp "$work" Alloc > /dev/null 2>&1
    row java 'java -Xmx256m Alloc' "$work/java.mrt" ;;
redis)
    port=$((20000 + $$ % 10000))
    "$bin" record -o "$work/redis.mrt" -- /usr/bin/redis-server --port "$port" --bind 127.0.0.1 --save "" \
        --appendonly no --dir "$work" --daemonize no --loglevel verbose --logfile "$work/redis.log" > /dev/null 2>&1 &
    rec=$!
    for _ in $(seq 100); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
    redis-benchmark -p "$port" -n 100000 -q -t set,get,incr,lpush,lpop > /dev/null
    # A data set worth saving (100,000 keys of 512 bytes), then a BGSAVE while writes go on, so
    # both the child and the parent break copy-on-write sharing.
    redis-benchmark -p "$port" -n 100000 -r 100000 -d 512 -q -t set > /dev/null
    redis-benchmark -p "$port" -n 50000 -r 100000 -d 512 -q -t set > /dev/null &
    writer=$!
    sleep 0.2
    redis-cli -p "$port" bgsave > /dev/null
    wait "$writer"
    for _ in $(seq 200); do redis-cli -p "$port" info persistence | grep -q "rdb_bgsave_in_progress:0" && break; sleep 0.1; done
    redis-cli -p "$port" shutdown nosave > /dev/null || true
    wait "$rec"
    row redis 'redis-server, redis-benchmark (250,000 requests), BGSAVE during writes' "$work/redis.mrt"
    # The BGSAVE child: the pid that is not the root's.
    db="$work/redis.db"
    child=$("$bin" query "$db" "select pid from processes where parent != 0 order by pid limit 1" --format csv | tail -1)
    q() { "$bin" query "$db" "$1" --format csv | tail -1; }
    life="seq > (select start_seq from processes where pid = $child) and seq < (select end_seq from processes where pid = $child)"
    cow=$(q "select count(*) from v_faults where pid = $child and kind = 'cow_copy'")
    reuse=$(q "select count(*) from v_faults where pid = $child and kind = 'cow_reuse'")
    fresh=$(q "select count(*) from v_faults where pid = $child and kind in ('anon_new', 'zero_page_copy')")
    parentcow=$(q "select count(*) from v_faults where pid != $child and kind = 'cow_copy' and $life")
    line=$(grep -o 'Fork CoW for RDB: .*' "$work/redis.log" | tail -1 || true)
    echo
    echo "BGSAVE child $child, model: cow_copy $cow ($((cow * 4)) kB), cow_reuse $reuse, anon_new + zero_page_copy $fresh;" \
         "the parent's cow_copy while the child lived $parentcow ($((parentcow * 4)) kB);" \
         "child private dirty ≈ $(( (cow + fresh + parentcow) * 4 )) kB. Redis: ${line:-no Fork CoW line}"
    [ -n "${VERBOSE:-}" ] && grep -E 'Fork CoW|Background saving|DB saved' "$work/redis.log" >&2 || true
    ;;
esac
done

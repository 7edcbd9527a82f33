#!/usr/bin/env bash
# Records the real-program sample traces in traces/ (a C program, Python, redis-server with a
# BGSAVE). Real programs never run twice alike, so these are committed as recorded; rerun this only
# to refresh them, then `make baselines`.
# Usage: scripts/record-samples.sh [MEMREPLAY]
set -euo pipefail
bin="${1:-.build/release/memreplay}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

cc -O1 -o "$work/churn" Tests/Fixtures/recorder/churn.c
"$bin" record --convert now -o traces/rec-c-churn.mrt -- "$work/churn" 20000

# Page faults of a program that touches 8 MiB, forks, and lets the child write every other page,
# and of a shared file mapping read with fault-around (record --accesses faults, the default).
cc -O2 -o "$work/touchfork" Tests/Fixtures/recorder/touchfork.c
"$bin" record --convert now -o traces/rec-touchfork.mrt -- "$work/touchfork" anon 8
"$bin" record --convert now -o traces/rec-touchfile.mrt -- "$work/touchfork" file "$work/data" 4

"$bin" record --convert now -o traces/rec-python.mrt -- /usr/bin/python3.11 Tests/Fixtures/recorder/alloc.py

port=$((20000 + $$ % 10000))
"$bin" record --convert now -o traces/rec-redis.mrt -- redis-server --port "$port" --bind 127.0.0.1 --save "" \
    --appendonly no --dir "$work" --daemonize no > "$work/redis.log" 2>&1 &
for _ in $(seq 100); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
redis-benchmark -p "$port" -n 2000 -q -t set,get,incr,lpush,lpop > /dev/null
redis-cli -p "$port" bgsave > /dev/null
for _ in $(seq 100); do redis-cli -p "$port" info persistence | grep -q "rdb_bgsave_in_progress:0" && break; sleep 0.1; done
redis-cli -p "$port" shutdown nosave > /dev/null || true
wait
ls -la traces/rec-*.mrt

#!/usr/bin/env bash
# Installs the system packages memreplay builds against, when they are missing:
# libzstd-dev, libsqlite3-dev and zlib1g-dev (with pkg-config). Uses apt-get as root, or sudo.
set -euo pipefail

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if command -v pkg-config >/dev/null 2>&1; then
    pkg-config --exists libzstd || missing+=(libzstd-dev)
    pkg-config --exists sqlite3 || missing+=(libsqlite3-dev)
    # zlib: compressed debug sections (gcc -gz) in MemSymbols.
    pkg-config --exists zlib || missing+=(zlib1g-dev)
else
    missing+=(libzstd-dev libsqlite3-dev zlib1g-dev)
fi
# Compilers and binutils' addr2line/objcopy for the symbolizer's fixtures and oracle.
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v addr2line >/dev/null 2>&1 || missing+=(binutils)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
# Real programs and independent counters the recorder tests use.
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools)
command -v ltrace >/dev/null 2>&1 || missing+=(ltrace)
command -v strace >/dev/null 2>&1 || missing+=(strace)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
# heaptrack and heaptrack_print: the call-stack views' comparison (StacksPeerTests).
command -v heaptrack_print >/dev/null 2>&1 || missing+=(heaptrack)
# Headless Chromium renders `memreplay report` pages in ReportCLITests (skipped without it).
# MEMREPLAY_NO_BROWSER=1 leaves it out (it is a ~100 MB download).
browser=()
if [ -z "${MEMREPLAY_NO_BROWSER:-}" ] && ! command -v chromium >/dev/null 2>&1; then browser=(chromium); fi

if [ ${#missing[@]} -eq 0 ] && [ ${#browser[@]} -eq 0 ]; then
    exit 0
fi

echo "install-deps: installing ${missing[*]} ${browser[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null; fi
if [ ${#browser[@]} -gt 0 ]; then $SUDO apt-get install -y -qq --no-install-recommends "${browser[@]}" >/dev/null; fi

# memreplay — the two commands that matter: `make demo` and `make test`.
SWIFT ?= swift
RELEASE_BIN := .build/release/memreplay
DEMO_SIZE ?= 1G

.PHONY: all deps build demo test test-debug bench bench-harness bench-check bench-baseline bench-queries regress regress-tested baselines samples clean recorder bench-recorder bench-stacks

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product memreplay

## The seed 000 experiment end to end: synthesize, inspect, replay, query, summarise.
demo: build
	$(RELEASE_BIN) demo --size $(DEMO_SIZE) --dir out/demo

## The whole test suite (Swift Testing), built optimised: the model-heavy tests (random event
## storms and every sample trace with the invariant checkers after each event) run ~9x faster
## than in a debug build, which pays back its longer compile many times over. `-enable-testing`
## lets the tests' `@testable import`s see internal API in a release build.
##
## The suite that changes this host (HostSettingsTests: vm.overcommit_memory=2 with a heap that
## takes most of CommitLimit, vm.dirty_bytes, a swap file) runs alone after the rest: Swift
## Testing runs suites in parallel, and a neighbour (a JVM or gcc being recorded) started while
## strict overcommit is on fails for reasons of the host, not of memreplay.
TEST_FLAGS := -c release -Xswiftc -enable-testing
HOST_SUITES := HostSettingsTests
test: deps
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build --skip '$(HOST_SUITES)'
	$(SWIFT) test $(TEST_FLAGS) --skip-build --filter '$(HOST_SUITES)'

## The test suite in a debug build (assertions on; slow).
test-debug: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip '$(HOST_SUITES)'
	$(SWIFT) test --skip-build --filter '$(HOST_SUITES)'

## Speed and size benchmarks: memreplay-bench's figures (each a ratio against a baseline measured
## in the same run), then the package-benchmark harness's p50/p99 (Benchmarks/, docs/performance.md).
bench: deps
	$(SWIFT) build -c release --product memreplay-bench
	$(SWIFT) build -c release --product memreplay
	.build/release/memreplay-bench
	$(HARNESS) benchmark $(HARNESS_FLAGS)

## The harness alone. It is a separate package (Benchmarks/Package.swift, its own .build) that
## `make test` and CI never compile; it spawns the release `memreplay` for the end-to-end benchmarks.
## HARNESS_FLAGS passes options, e.g. HARNESS_FLAGS="--filter 'query.*'".
HARNESS := $(SWIFT) package --package-path Benchmarks
HARNESS_FLAGS ?=
bench-harness: deps
	$(SWIFT) build -c release --product memreplay
	$(HARNESS) benchmark $(HARNESS_FLAGS)

## Runs the harness and compares with the committed baseline (Benchmarks/.benchmarkBaselines/main):
## the harness's exit status is non-zero when a benchmark passes its thresholds (p50 +25%, p99 +50%).
## The committed baseline has no `query NAME` benchmarks yet (their 10^7-event runs): skipped here.
BENCH_CHECK_FLAGS ?= --skip 'query.*'
bench-check: deps
	$(SWIFT) build -c release --product memreplay
	$(HARNESS) benchmark baseline check main $(BENCH_CHECK_FLAGS) $(HARNESS_FLAGS)

## Rewrites the committed baseline from a run on this machine (say the load in docs/performance.md).
bench-baseline: deps
	$(SWIFT) build -c release --product memreplay
	$(HARNESS) --allow-writing-to-package-directory benchmark baseline update main $(HARNESS_FLAGS)

## Every queries/*.sql timed on runs of 10^7 events (goal: each under 1 s); BENCH_QUERIES_DIR keeps
## the runs' databases for the next time.
BENCH_QUERIES_DIR ?= out/bench-queries
bench-queries: deps
	$(SWIFT) build -c release --product memreplay-bench
	$(SWIFT) build -c release --product memreplay
	.build/release/memreplay-bench queries 10000000 --dir $(BENCH_QUERIES_DIR)

## Replays the sample traces and diffs their metrics against the committed baselines.
regress: build
	bash scripts/regress.sh $(RELEASE_BIN)

## The same with the binary `make test` just built (flags differ from `make build`'s, so `regress`
## would compile everything again): what CI runs after the tests.
regress-tested:
	bash scripts/regress.sh $(RELEASE_BIN)

## Rewrites the committed baselines from the current model (after an intended change).
baselines: build
	bash scripts/regress.sh $(RELEASE_BIN) --update

## Rewrites the synthesized sample traces in traces/.
samples: build
	$(RELEASE_BIN) synth mappings --size 16M -o traces/mappings-16m.mrt
	$(RELEASE_BIN) synth locality --events 200000 --seed 11 -o traces/locality-200k.mrt
	$(RELEASE_BIN) synth malloc --events 100000 --seed 5 -o traces/malloc-100k.mrt

## The cachegrind preset against valgrind cachegrind on the C programs of Tests/Fixtures/hardware.
cachegrind-compare: build
	bash scripts/cachegrind-compare.sh $(RELEASE_BIN)

clean:
	rm -rf .build out

## The LD_PRELOAD interposer, built with cc (not SwiftPM) so it links only libc;
## `memreplay record` also builds it on first use into ~/.cache/memreplay.
recorder: deps
	mkdir -p .build/release
	cc -O2 -fno-omit-frame-pointer -fPIC -shared -o .build/release/libmemreplay-recorder.so Sources/CRecorder/*.c -ldl -lpthread
	cc -O2 -fno-omit-frame-pointer -fPIC -shared -DMR_LACKEY=1 -o .build/release/libmemreplay-recorder-lackey.so Sources/CRecorder/*.c -ldl -lpthread

## Recorder overhead (native vs interposer vs heaptrack, same run) and bytes per event.
bench-recorder: build
	bash scripts/bench-recorder.sh $(RELEASE_BIN)

bench-stacks: build
	bash scripts/bench-stacks.sh $(RELEASE_BIN)

# memreplay — the two commands that matter: `make demo` and `make test`.
SWIFT ?= swift
RELEASE_BIN := .build/release/memreplay
DEMO_SIZE ?= 1G

.PHONY: all deps build demo test test-debug bench regress regress-tested baselines samples clean recorder bench-recorder bench-stacks

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
TEST_FLAGS := -c release -Xswiftc -enable-testing
test: deps
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build

## The test suite in a debug build (assertions on; slow).
test-debug: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## Speed and size benchmarks; each figure is a ratio against a baseline measured in the same run.
bench: deps
	$(SWIFT) build -c release --product memreplay-bench
	$(SWIFT) build -c release --product memreplay
	.build/release/memreplay-bench

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

## The LD_PRELOAD interposer, built with cc (not SwiftPM) so it links only libc and libzstd;
## `memreplay record` also builds it on first use into ~/.cache/memreplay.
recorder: deps
	mkdir -p .build/release
	cc -O2 -fno-omit-frame-pointer -fPIC -shared -o .build/release/libmemreplay-recorder.so Sources/CRecorder/*.c -lzstd -ldl -lpthread
	cc -O2 -fno-omit-frame-pointer -fPIC -shared -DMR_LACKEY=1 -o .build/release/libmemreplay-recorder-lackey.so Sources/CRecorder/*.c -lzstd -ldl -lpthread

## Recorder overhead (native vs interposer vs heaptrack, same run) and bytes per event.
bench-recorder: build
	bash scripts/bench-recorder.sh $(RELEASE_BIN)

bench-stacks: build
	bash scripts/bench-stacks.sh $(RELEASE_BIN)

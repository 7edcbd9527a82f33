# memreplay — the two commands that matter: `make demo` and `make test`.
SWIFT ?= swift
RELEASE_BIN := .build/release/memreplay
DEMO_SIZE ?= 1G

.PHONY: all deps build demo test bench regress baselines samples clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product memreplay

## The seed 000 experiment end to end: synthesize, inspect, replay, query, summarise.
demo: build
	$(RELEASE_BIN) demo --size $(DEMO_SIZE) --dir out/demo

## The whole test suite (debug build, Swift Testing).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## Speed and size benchmarks; each figure is a ratio against a baseline measured in the same run.
bench: deps
	$(SWIFT) build -c release --product memreplay-bench --product memreplay
	.build/release/memreplay-bench

## Replays the sample traces and diffs their metrics against the committed baselines.
regress: build
	bash scripts/regress.sh $(RELEASE_BIN)

## Rewrites the committed baselines from the current model (after an intended change).
baselines: build
	bash scripts/regress.sh $(RELEASE_BIN) --update

## Rewrites the synthesized sample traces in traces/.
samples: build
	$(RELEASE_BIN) synth mappings --size 16M -o traces/mappings-16m.mrt
	$(RELEASE_BIN) synth locality --events 200000 --seed 11 -o traces/locality-200k.mrt
	$(RELEASE_BIN) synth malloc --events 100000 --seed 5 -o traces/malloc-100k.mrt

clean:
	rm -rf .build out

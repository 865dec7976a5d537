# The two commands of the README:
#   make run   — installs what is missing, builds release, runs the default workload, writes Results/*.json
#   make test  — installs what is missing, runs the test suite
# Extra arguments for `run` go in ARGS, e.g. make run ARGS="--quick --label vm-sriov".
SWIFT ?= swift
ARGS ?=

.PHONY: deps build release run test fidelity clean

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	.build/release/overhead-bench run $(ARGS)

test: deps
	$(SWIFT) test

fidelity: release
	scripts/fidelity/run

clean:
	rm -rf .build

# The two commands of the README:
#   make run   — installs what is missing, builds release, runs the default workload, writes Results/*.json
#   make test  — installs what is missing, runs the test suite
# Extra arguments for `run` go in ARGS, e.g. make run ARGS="--quick --label vm-sriov".
#   make dist  — the binary to copy to other nodes: dist/overhead-bench, the Swift runtime linked in
#                statically (--static-swift-stdlib; no Swift toolchain needed where it runs), and
#                dist/Workloads. Its own build directory (.build-static), so it never rebuilds .build.
#   make man   — man pages, one per subcommand, into dist/man/ (from the parser's own help).
SWIFT ?= swift
ARGS ?=
DIST ?= dist

.PHONY: deps build release dist man run test fidelity clean

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# About 6 minutes on 2 CPUs; stripped, about 60 MB. `ldd dist/overhead-bench` lists only libnuma,
# libpfm, libstdc++, libm, libgcc_s and libc (see the README's "Copying the binary to a node").
dist: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-static
	install -D -m 0755 .build-static/release/overhead-bench $(DIST)/overhead-bench
	if command -v strip >/dev/null; then strip $(DIST)/overhead-bench; fi
	rm -rf $(DIST)/Workloads && cp -r Workloads $(DIST)/Workloads
	@if ldd $(DIST)/overhead-bench | grep -q libswift; then echo "make dist: the binary still links a Swift runtime library" >&2; exit 1; fi
	@echo "$(DIST)/overhead-bench: $$(du -h $(DIST)/overhead-bench | cut -f1), needs: $$(ldd $(DIST)/overhead-bench | awk '$$1 ~ /^lib/ {print $$1}' | tr '\n' ' ')"

man: build
	scripts/make-man $(DIST)/man

run: release
	.build/release/overhead-bench run $(ARGS)

test: deps
	$(SWIFT) test

fidelity: release
	scripts/fidelity/run

clean:
	rm -rf .build .build-static $(DIST)

# The two front-door commands: `make demo` and `make test`. Both install what is missing
# (scripts/install-deps.sh, root on Debian 12), configure, build and run.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
HALLMARK_WERROR ?= OFF
CTEST_ARGS ?=

.PHONY: all deps configure build test demo bench clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DHALLMARK_WERROR=$(HALLMARK_WERROR) > $(BUILD_DIR).configure.log 2>&1 \
	  || { cat $(BUILD_DIR).configure.log; exit 1; }

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The demo builds only what it runs (no test suites, no GUI): the four tools, the device
# simulator and its clock shim, and hallmark-forge (the attacker's tool of act 5).
DEMO_TARGETS = hallmark-ceremony hallmark-signer hallmark-station hallmark-verify \
  hallmark-devsim hallmark-devsim-clock hallmark-forge

demo: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target $(DEMO_TARGETS)
	@bash scripts/demo.sh $(BUILD_DIR)

# Not a test: bundle reading and promoted-bundle verification vs openssl dgst -sha256, and
# peak memory; station per-unit overhead vs its floor (2 token signatures, 2 verifications,
# 1 fdatasync); station status/program at 1k vs a large journal (HALLMARK_BENCH_SCALE=full:
# 1 M records); countersign throughput vs the 2-core ECDSA verify rate (bench/).
bench: build
	@bash bench/bundle_read_bench.sh $(BUILD_DIR)
	@bash bench/promoted_verify_bench.sh $(BUILD_DIR)
	@bash bench/station_unit_bench.sh $(BUILD_DIR)
	@bash bench/station_history_bench.sh $(BUILD_DIR)
	@bash bench/countersign_bench.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log demo-out

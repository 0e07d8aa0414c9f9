# The two front-door commands: `make demo` and `make test`. Both install what is missing
# (scripts/install-deps.sh, root on Debian 12), configure, build and run.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
HALLMARK_WERROR ?= OFF
CTEST_ARGS ?=
# The sanitizer suites (ASan + UBSan, no recovery) and the fuzz smoke run, each in a build
# directory of its own (docs/testing.md). `make test` runs both. SANITIZE_LABELS chooses the
# suites: by default the unit, command-line, PKCS#11 and attack suites, which have completed
# a green run instrumented and fit CI's 45-minute budget (docs/testing.md "Time");
# SANITIZE_LABELS=unit for the pure suites only. SANITIZE=OFF skips them.
SANITIZE ?= ON
SANITIZE_BUILD_DIR ?= build-sanitize
SANITIZE_LABELS ?= unit|cli|softhsm
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 3

.PHONY: all deps configure build test test-sanitize fuzz demo bench clean packages packages-check

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
	@if [ "$(SANITIZE)" = ON ]; then $(MAKE) --no-print-directory test-sanitize; fi
	@$(MAKE) --no-print-directory fuzz

# The suites SANITIZE_LABELS names (the attack suites carry the labels unit and softhsm)
# under ASan + UBSan (scripts/test_sanitize.sh: builds, through ccache, only the test
# executables $(BUILD_DIR)'s CTest lists for those labels and the tools they start).
test-sanitize: deps
	@REFERENCE_BUILD=$(BUILD_DIR) JOBS=$(JOBS) bash scripts/test_sanitize.sh $(SANITIZE_BUILD_DIR) '$(SANITIZE_LABELS)'

# Builds the libFuzzer targets (clang-16) and runs each for FUZZ_SECONDS (scripts/fuzz.sh);
# `FUZZ_SECONDS=600 make fuzz` for a real run. Seeds from $(BUILD_DIR)/demo-out when present.
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(JOBS) bash scripts/fuzz.sh $(FUZZ_BUILD_DIR) $(BUILD_DIR)/demo-out

# The demo builds only what it runs (no test suites, no GUI): the four tools, the device
# simulator and its clock shim, and hallmark-forge (the attacker's tool of act 5).
DEMO_TARGETS = hallmark-ceremony hallmark-signer hallmark-station hallmark-verify \
  hallmark-devsim hallmark-devsim-clock hallmark-forge

demo: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target $(DEMO_TARGETS)
	@bash scripts/demo.sh $(BUILD_DIR)

# The Debian packages (hallmark-verify, -station, -signer, -devsim, -hsm-profiles) from a
# package build of their own (no test suites, no build paths in the binaries), into
# $(PACKAGES_DIR); `make packages-check` builds them twice (other folder names and depths,
# the second without ccache) and requires identical .deb files with no build path in them
# (scripts/packages_check.sh; docs/release.md "Packages", docs/testing.md "Packages").
PACKAGES_BUILD_DIR ?= build-packages
PACKAGES_DIR ?= packages

packages: deps
	@JOBS=$(JOBS) bash scripts/packages.sh $(PACKAGES_BUILD_DIR) $(PACKAGES_DIR)

packages-check: deps
	@JOBS=$(JOBS) bash scripts/packages_check.sh

# Not a test: bundle reading and promoted-bundle verification vs openssl dgst -sha256, and
# peak memory; station per-unit overhead vs its floor (2 token signatures, 2 verifications,
# 1 fdatasync); station status/program at 1k vs a large journal; countersign throughput vs
# the 2-core ECDSA verify rate; the evidence store at scale, SQLite and PostgreSQL (bench/;
# HALLMARK_BENCH_SCALE=full: 1 M journal records, 10 M store units; docs/performance.md);
# `hallmark-verify log` on a day's segment at two sizes.
bench: build
	@bash bench/bundle_read_bench.sh $(BUILD_DIR)
	@bash bench/promoted_verify_bench.sh $(BUILD_DIR)
	@bash bench/station_unit_bench.sh $(BUILD_DIR)
	@bash bench/station_history_bench.sh $(BUILD_DIR)
	@bash bench/countersign_bench.sh $(BUILD_DIR)
	@bash bench/store_scale_bench.sh $(BUILD_DIR)
	@bash bench/log_segment_bench.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log demo-out $(SANITIZE_BUILD_DIR) \
	  $(SANITIZE_BUILD_DIR).configure.log $(FUZZ_BUILD_DIR) $(FUZZ_BUILD_DIR).configure.log \
	  $(PACKAGES_BUILD_DIR) $(PACKAGES_BUILD_DIR).configure.log $(PACKAGES_DIR) build-packages-check

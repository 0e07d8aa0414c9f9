#!/usr/bin/env bash
# `make test-sanitize`: the test suites whose labels match LABELS (default unit|cli|softhsm:
# the unit, command-line, PKCS#11 and attack suites; `make test` passes its
# SANITIZE_LABELS, by default the same) under ASan + UBSan with no recovery (build type
# Sanitize at -Og, cmake/sanitizers.cmake), in a build directory of its own.
#
#   scripts/test_sanitize.sh [BUILD_DIR [LABELS]]
#   env: JOBS (build, default nproc), CTEST_JOBS (tests, default 2 x nproc), CMAKE_ARGS,
#        REFERENCE_BUILD
#
# Builds only the test executables REFERENCE_BUILD's CTest (the normal build, default
# build) lists for LABELS and the tools those tests start; everything but the GUI when
# there is no listed normal build. ccache, when installed, compiles through it (its cache
# keys include the sanitizer flags).
#
# Not run here (docs/testing.md, "Sanitizer suites", says why for each): the Qt consoles
# (label gui; Qt's own leaks at exit need a suppression list of their own), the demo (label
# demo, minutes of SoftHSM key generation the plain suite already runs) and the PostgreSQL
# tests (label postgres: the server is not instrumented and the client side is the same
# code SQLite tests cover). The demo runs, instrumented, as the fixture of the `cli` tests
# that use its output (demo_cli_bin links the tools they run by name).
# CTEST_JOBS: the instrumented tests mostly wait (SoftHSM's file store, child processes;
# about 0.3 CPU-s a test), so twice as many tests as cores run them in about half the
# wall time of one test a core, with the same results (docs/testing.md "Time").
# The first report of either sanitizer fails the test that caused it, with the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-sanitize}
labels=${2:-unit|cli|softhsm}
jobs=${JOBS:-$(nproc)}
ctest_jobs=${CTEST_JOBS:-$((2 * $(nproc)))}

launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
# Warnings are the normal build's gate (HALLMARK_WERROR there): the sanitizers' instrumentation
# changes GCC's flow analysis, which can warn (maybe-uninitialized, stringop) where the code
# is sound, and a sanitizer run is for what happens at run time.
# shellcheck disable=SC2086 # CMAKE_ARGS is a list of arguments
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Sanitize -DHALLMARK_BUILD_GUI=OFF \
  -DHALLMARK_WERROR=OFF "${launcher[@]}" ${CMAKE_ARGS:-} \
  > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }

# Only what the selected suites run: the test executables the normal build's CTest lists
# for these labels (REFERENCE_BUILD, default build: `make test` has just built and listed
# it) and the binaries and modules those tests start. Without a listed normal build, all.
exclude='demo|gui|postgres'
helpers=(hallmark-ceremony hallmark-signer hallmark-station hallmark-verify hallmark-devsim
  hallmark-devsim-clock hallmark-forge hallmark_fault_pkcs11 hallmark-test-cac-card demo_cli_bin)
reference=${REFERENCE_BUILD:-build}
targets=()
if [[ -f "$reference/CTestTestfile.cmake" ]]; then
  mapfile -t targets < <(ctest --test-dir "$reference" --show-only=json-v1 -L "$labels" \
    -LE "$exclude" | python3 -c '
import json, os, sys
reference = os.path.realpath(sys.argv[1])
names = set()
for test in json.load(sys.stdin)["tests"]:
    command = test.get("command") or [""]
    if os.path.realpath(command[0]).startswith(reference + os.sep):
        names.add(os.path.basename(command[0]))
print("\n".join(sorted(names)))' "$reference")
fi
if (( ${#targets[@]} )); then
  echo "test_sanitize: building ${#targets[@]} test executables for '$labels' and ${#helpers[@]} tools"
  cmake --build "$build" -j "$jobs" --target "${targets[@]}" "${helpers[@]}"
else
  cmake --build "$build" -j "$jobs"
fi

# Leaks in the libraries we load but do not build (p11-kit, SoftHSM, OpenSSL's provider
# caches) are theirs: tests/sanitizer/lsan.supp lists each with the reason (a PKCS#11
# module's, whose frames never reach a report, is scoped in code: hsm::ModuleAllocations).
# verify_asan_link_order=0: the demo (the fixture of the `cli` tests on its output) starts
# its stations with the simulated clock in LD_PRELOAD (scripts/demo/common.sh), ahead of the
# ASan runtime; that library only answers adjtimex(2) and allocates nothing.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0:verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizer/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ctest --test-dir "$build" --output-on-failure -j "$ctest_jobs" -L "$labels" -LE "$exclude"

#!/usr/bin/env bash
# `make test-sanitize`: the test suites whose labels match LABELS (default unit|cli|softhsm:
# the unit, command-line, PKCS#11 and attack suites) under ASan + UBSan with no recovery
# (build type Sanitize, cmake/sanitizers.cmake), in a build directory of their own.
#
#   scripts/test_sanitize.sh [BUILD_DIR [LABELS]]      env: JOBS, CMAKE_ARGS
#
# ccache, when installed, compiles through it (its cache keys include the sanitizer flags).
#
# Not built here: the Qt consoles (label gui; Qt's own leaks at exit need a suppression
# list of their own) and the demo (label demo, minutes of SoftHSM key generation the plain
# suite already runs). PostgreSQL tests (label postgres) run in the plain suite only: the
# server is not instrumented and the client side is the same code SQLite tests cover.
# The first report of either sanitizer fails the test that caused it, with the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-sanitize}
labels=${2:-unit|cli|softhsm}
jobs=${JOBS:-$(nproc)}

launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
# shellcheck disable=SC2086 # CMAKE_ARGS is a list of arguments
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Sanitize -DHALLMARK_BUILD_GUI=OFF \
  -DHALLMARK_WERROR="${HALLMARK_WERROR:-OFF}" "${launcher[@]}" ${CMAKE_ARGS:-} \
  > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$jobs"

# Leaks in the libraries we load but do not build (p11-kit, SoftHSM, OpenSSL's provider
# caches) are theirs: tests/sanitizer/lsan.supp lists each with the reason.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizer/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ctest --test-dir "$build" --output-on-failure -j "$jobs" -L "$labels" -LE 'demo|gui|postgres'

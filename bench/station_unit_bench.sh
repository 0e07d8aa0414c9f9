#!/usr/bin/env bash
# Station per-unit overhead (issue: station overhead with an instant device): N units
# through program_unit() on an in-memory InstantDevice (the written entries of the cached
# bundle re-read and re-hashed, the provisioning plan, device certificate from the device-CA
# prepared once per line, attestation signed through PKCS#11, journal append with fdatasync)
# against one raw PKCS#11 signature + one small append + fdatasync in the journal's directory, measured in the same run on SoftHSM. Goal: ratio <= 1.5. Reports a
# ratio, never fails on timing, and prints the parts of a unit measured on their own
# (bundle re-read, token signature and its verification, device certificate and the device
# key decode). Needs the test build (HALLMARK_BUILD_TESTS=ON, the default).
#
# Usage: bench/station_unit_bench.sh BUILD_DIR     (HALLMARK_BENCH_UNITS=N, default 200)
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR}
bench=$build/bench/station_unit_bench
[[ -x $bench ]] || {
  echo "missing $bench: build with -DHALLMARK_BUILD_TESTS=ON (make build does)" >&2; exit 2; }

"$bench"

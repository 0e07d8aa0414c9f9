#!/usr/bin/env bash
# Station command cost against journal length (issue: command cost independent of history):
# `status` and `program` (in process: StationLine::open, and open + program_unit on an
# instant device) on a 1,000-record journal and on a large one, medians and the ratio
# large / small. Goal: <= 1.2. Both journals are real: every record a station-signed event
# written through the line on the SoftHSM station token.
#
# Quick by default (20,000 records, under a minute); HALLMARK_BENCH_SCALE=full for
# 1,000,000 records (generation takes a while: every record is signed on the token and
# verified; about 1 GiB of journal). The state directories live on tmpfs (/dev/shm when it
# exists, else TMPDIR), for both sizes alike, so generating a million records is not a
# million disk fdatasyncs; the per-unit fdatasync cost is station_unit_bench.sh's business.
# Needs the test build (HALLMARK_BUILD_TESTS=ON, the default).
#
# Usage: bench/station_history_bench.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR}
bench=$build/bench/station_history_bench
[[ -x $bench ]] || {
  echo "missing $bench: build with -DHALLMARK_BUILD_TESTS=ON (make build does)" >&2; exit 2; }

tmp=${TMPDIR:-/tmp}
[[ -d /dev/shm && -w /dev/shm ]] && tmp=/dev/shm
TMPDIR=$tmp "$bench"

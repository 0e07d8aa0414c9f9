#!/usr/bin/env bash
# `hallmark-verify log` on a day's retention segment at two sizes (issue: a year of
# production): its time and peak memory, which must not grow with the segment (it streams
# the entries, verifier/log/segment_file.h). Each segment is a real one: a store grown
# through the real countersign path (station-signed exports, every check made), its day
# written by the signer's retention export, verified under a trust root naming the bench's
# evidence key. Reports, never fails on timing.
#
# Usage: bench/log_segment_bench.sh BUILD_DIR
#   quick default: segments of 20 000 and 200 000 units
#   HALLMARK_BENCH_SCALE=full: 100 000 and 1 000 000 units (a day of a large factory is
#   about 30 000; about 1.4 GB of segment and two minutes here)
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR}
bench=$build/bench/countersign_bench
verify=$build/verifier/hallmark-verify
[[ -x $bench && -x $verify ]] || { echo "missing $bench or $verify: run make build first" >&2; exit 2; }
small=20000 large=200000
[[ ${HALLMARK_BENCH_SCALE:-} == full ]] && { small=100000; large=1000000; }
work=$(mktemp -d /tmp/hallmark-segment-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

value() { awk -v k="$1" '$1 == k {print $2}' <<<"$2"; }

# One segment of $1 units: prints "units bytes seconds peak_kib".
measure() {
  local dir=$work/$1 out
  echo "log segment bench: countersigning $1 units for a day's segment..." >&2
  out=$("$bench" segment --units "$1" --batch 20000 --out "$dir")
  /usr/bin/time -f '%e %M' -o "$dir/time" "$verify" log "$(value segment "$out")" \
    --trust-root "$dir/trust-root.json" --pin-digest "$(value trust_root_digest "$out")" \
    --at "$(value at_unix "$out")" > "$dir/verify.out"
  grep -q '^OK: ' "$dir/verify.out" || { cat "$dir/verify.out" >&2; exit 1; }
  echo "$(value units "$out") $(value segment_bytes "$out") $(cat "$dir/time")"
  rm -f "$(value segment "$out")"
}

read -r s_units s_bytes s_seconds s_kib < <(measure "$small")
read -r l_units l_bytes l_seconds l_kib < <(measure "$large")
printf 'hallmark-verify log on a day'"'"'s retention segment\n'
printf '  %9s units, %6.0f MiB: %6.2f s, peak RSS %6s KiB\n' "$s_units" \
  "$(awk -v b="$s_bytes" 'BEGIN {print b / 1048576}')" "$s_seconds" "$s_kib"
printf '  %9s units, %6.0f MiB: %6.2f s, peak RSS %6s KiB\n' "$l_units" \
  "$(awk -v b="$l_bytes" 'BEGIN {print b / 1048576}')" "$l_seconds" "$l_kib"
printf '  peak memory, large / small segment: %.2f (goal: flat, about 1)\n' \
  "$(awk -v a="$l_kib" -v b="$s_kib" 'BEGIN {print a / b}')"

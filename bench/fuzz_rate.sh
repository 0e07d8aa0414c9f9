#!/usr/bin/env bash
# Fuzz target speed, before against after (docs/testing.md, "Runs"): runs each libFuzzer
# target of two fuzz build directories (scripts/fuzz.sh builds one) for the same number of
# seconds from the same seeds (fuzz/corpus/<target>/ only, each run into an empty working
# corpus, fixed -seed) with scripts/fuzz.sh's limits and dictionaries, alternating A and B
# target by target so the machine's load falls on both alike. Prints one line per target:
# executions per second of A and of B and their ratio B/A. Reports; never fails on speed,
# only when a target finds something (its log is kept).
#
# Usage: bench/fuzz_rate.sh BUILD_A BUILD_B [SECONDS]    env: FUZZ_TARGETS
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
a=$(cd "${1:?usage: $0 BUILD_A BUILD_B [SECONDS]}" && pwd)
b=$(cd "${2:?usage: $0 BUILD_A BUILD_B [SECONDS]}" && pwd)
seconds=${3:-30}
targets=${FUZZ_TARGETS:-$(cd "$a/fuzz" && ls -- *_fuzz | sed 's/_fuzz$//')}
work=$(mktemp -d "${TMPDIR:-/tmp}/hallmark-fuzz-rate-XXXXXX")
trap 'rm -rf "$work"' EXIT

# Executions per second of one run: prints "executions rate".
run() {
  local build=$1 t=$2 tag=$3 dict=()
  case $t in
    dsse_json) dict=(-dict="$root/fuzz/dict/dsse_json.dict") ;;
    bundle_reader | cached_entries) dict=(-dict="$root/fuzz/dict/tar.dict") ;;
    textproto) dict=(-dict="$root/fuzz/dict/textproto.dict") ;;
    manifest) dict=(-dict="$root/fuzz/dict/manifest.dict") ;;
  esac
  mkdir -p "$work/$t-$tag"
  local inputs=("$work/$t-$tag") log="$work/$t-$tag.log"
  [[ -d $root/fuzz/corpus/$t ]] && inputs+=("fuzz/corpus/$t")
  if ! (cd "$root" && "$build/fuzz/${t}_fuzz" "${dict[@]}" -seed=1 -max_total_time="$seconds" \
        -timeout=1 -malloc_limit_mb=256 -rss_limit_mb=2048 -max_len=1048576 \
        -print_final_stats=1 -artifact_prefix="$work/$t-$tag-" \
        "${inputs[@]}" > "$log" 2>&1); then
    cp "$log" "${TMPDIR:-/tmp}/fuzz-rate-$t-$tag.log"
    echo "fuzz_rate: $t ($tag) found something; log: ${TMPDIR:-/tmp}/fuzz-rate-$t-$tag.log" >&2
    echo "0 0"
    return
  fi
  local runs
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  awk -v r="${runs:-0}" -v s="$seconds" 'BEGIN { printf "%d %.0f\n", r, r / s }'
}

printf '%-16s %10s %10s %7s\n' target "A exec/s" "B exec/s" "B/A"
for t in $targets; do
  read -r _ rate_a < <(run "$a" "$t" a)
  read -r _ rate_b < <(run "$b" "$t" b)
  awk -v t="$t" -v x="$rate_a" -v y="$rate_b" \
    'BEGIN { printf "%-16s %10d %10d %7s\n", t, x, y, (x > 0 ? sprintf("%.2f", y / x) : "-") }'
done

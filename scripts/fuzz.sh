#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets (fuzz/) in their own clang-16 build directory
# and runs each for FUZZ_SECONDS (default 3: the smoke run `make test` includes; give more
# for a real run). Stops at the first target that finds something and says where the input
# that shows it was saved.
#
#   scripts/fuzz.sh [FUZZ_BUILD_DIR [DEMO_OUT]]      env: FUZZ_SECONDS, FUZZ_JOBS, FUZZ_TARGETS
#
# Each target starts from fuzz/corpus/<target>/ (small committed seeds), seeds made from
# DEMO_OUT (a `make demo` output, when there is one; fuzz/make_seeds.py) and its working
# corpus FUZZ_BUILD_DIR/fuzz-corpus/<target>/, which grows from run to run and is never
# committed. Limits are the goals of docs/testing.md: an input that runs over 1 s, allocates
# over 256 MiB, leaks, or trips ASan/UBSan is a finding. One line per target goes to
# FUZZ_BUILD_DIR/fuzz-stats.tsv (target, seconds, executions, corpus size).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
demo_out=${2:-}
seconds=${FUZZ_SECONDS:-3}
jobs=${FUZZ_JOBS:-$(nproc)}

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-16 \
  -DHALLMARK_FUZZ=ON -DHALLMARK_BUILD_TESTS=OFF -DHALLMARK_BUILD_GUI=OFF \
  > "$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$jobs" --target hallmark_fuzz_targets

targets=${FUZZ_TARGETS:-$(cd "$build/fuzz" && ls -- *_fuzz | sed 's/_fuzz$//')}
seeds="$build/fuzz-seeds"
rm -rf "$seeds"
if [[ -n "$demo_out" && -d "$demo_out" ]]; then
  python3 fuzz/make_seeds.py "$demo_out" "$seeds"
fi
findings="$build/fuzz-findings"
mkdir -p "$findings"
stats="$build/fuzz-stats.tsv"
: > "$stats"

for t in $targets; do
  corpus="$build/fuzz-corpus/$t"
  mkdir -p "$corpus"
  inputs=("$corpus")
  [[ -d fuzz/corpus/$t ]] && inputs+=("fuzz/corpus/$t")
  [[ -d $seeds/$t ]] && inputs+=("$seeds/$t")
  dict=()
  case $t in
    dsse_json) dict=(-dict=fuzz/dict/dsse_json.dict) ;;
    bundle_reader | cached_entries) dict=(-dict=fuzz/dict/tar.dict) ;;
    textproto) dict=(-dict=fuzz/dict/textproto.dict) ;;
    manifest) dict=(-dict=fuzz/dict/manifest.dict) ;;
  esac
  log="$build/fuzz-$t.log"
  echo "fuzz: $t for ${seconds}s"
  if ! "$build/fuzz/${t}_fuzz" "${dict[@]}" -max_total_time="$seconds" -timeout=1 \
      -malloc_limit_mb=256 -rss_limit_mb=2048 -max_len=1048576 -print_final_stats=1 \
      -artifact_prefix="$findings/$t-" "${inputs[@]}" > "$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz: $t FOUND something: input saved as $(ls -t "$findings/$t-"* 2>/dev/null | head -1);" \
         "reproduce with $build/fuzz/${t}_fuzz FILE (log: $log)" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  echo -e "$t\t$seconds\t${runs:-0}\t$(ls "$corpus" | wc -l)" >> "$stats"
done
echo "fuzz: every target ran ${seconds}s without a finding (executions: $stats)"
column -t "$stats"

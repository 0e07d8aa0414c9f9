#!/usr/bin/env bash
# scripts/check_sizes.py fails on what it must and passes at the limits, on a throwaway tree
# built from tests/structure/fixtures (no real source is touched):
#   - a flow function of 81 lines (fixtures/flow_shapes.cc.in, placed under ceremony/) fails,
#     named with its file, line and length; at 80 lines it passes; the same function outside
#     ceremony/ and station-agent/ is not measured;
#   - every shape of that fixture (constructor with member initializers, in-class members, a
#     trailing return type, a lambda, braces in strings, comments and macros) is measured as
#     the fixture's expected listing says;
#   - a file of 501 lines fails, 500 passes; 501 with "Why this file is long: <reason>" in its
#     first 15 lines passes, at line 16 or with no reason it fails.
#
# Usage: check_sizes_test.sh CHECKER FIXTURE_DIR
set -uo pipefail
checker=$1
fixtures=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# run TREE -> sets out and rc
run() { out=$(python3 "$checker" --root "$1" "${@:2}" 2>&1); rc=$?; }

fresh_tree() { rm -rf "$work/tree"; mkdir -p "$work/tree/ceremony/src" "$work/tree/signer" "$work/tree/verifier"; }

# --- a flow function one line over the limit --------------------------------------------------
fresh_tree
cp "$fixtures/flow_shapes.cc.in" "$work/tree/ceremony/src/flow_shapes.cpp"
run "$work/tree"
[[ $rc == 1 ]] || fail "an 81-line flow function: exit $rc, want 1 ($out)"
grep -q '^ceremony/src/flow_shapes.cpp:43: function long_step spans 81 lines' <<<"$out" ||
  fail "an 81-line flow function is not named with its file, line and length: $out"

run "$work/tree" --list
expected=$(cat "$fixtures/flow_shapes.expected")
[[ $out == "$expected" ]] || fail "the fixture's shapes measured wrong:
--- got
$out
--- expected
$expected"

# At the limit: one statement fewer.
sed -i '0,/total += x; \/\/ 1$/{/total += x; \/\/ 1$/d}' "$work/tree/ceremony/src/flow_shapes.cpp"
run "$work/tree"
[[ $rc == 0 ]] || fail "an 80-line flow function: exit $rc, want 0 ($out)"

# Outside the flows the function length is not a limit.
fresh_tree
cp "$fixtures/flow_shapes.cc.in" "$work/tree/verifier/flow_shapes.cpp"
run "$work/tree"
[[ $rc == 0 ]] || fail "an 81-line function outside ceremony/ and station-agent/: exit $rc, want 0 ($out)"

# --- a file over the limit --------------------------------------------------------------------
# lines_file PATH N [MARKER_LINE MARKER_TEXT]: N lines of code, a marker at MARKER_LINE.
lines_file() {
  local path=$1 n=$2 at=${3:-0} text=${4:-}
  for ((i = 1; i <= n; i++)); do
    if ((i == at)); then echo "$text"; else echo "int v$i = $i;"; fi
  done >"$path"
}
fresh_tree
lines_file "$work/tree/signer/long.cpp" 501
run "$work/tree"
[[ $rc == 1 ]] || fail "a 501-line file: exit $rc, want 1 ($out)"
grep -q '^signer/long.cpp:1: 501 lines, over the 500-line limit by 1' <<<"$out" ||
  fail "a 501-line file is not named with its length: $out"

lines_file "$work/tree/signer/long.cpp" 500
run "$work/tree"
[[ $rc == 0 ]] || fail "a 500-line file: exit $rc, want 0 ($out)"

lines_file "$work/tree/signer/long.cpp" 501 15 "// Why this file is long: one parser's state machine."
run "$work/tree"
[[ $rc == 0 ]] || fail "a 501-line file with its reason at line 15: exit $rc, want 0 ($out)"

lines_file "$work/tree/signer/long.cpp" 501 16 "// Why this file is long: one parser's state machine."
run "$work/tree"
[[ $rc == 1 ]] || fail "a 501-line file with its reason at line 16: exit $rc, want 1 ($out)"

lines_file "$work/tree/signer/long.cpp" 501 1 "// Why this file is long:"
run "$work/tree"
[[ $rc == 1 ]] || fail "a 501-line file with the marker but no reason: exit $rc, want 1 ($out)"

rm "$work/tree/signer/long.cpp"
lines_file "$work/tree/signer/long.h" 501
run "$work/tree"
[[ $rc == 1 ]] || fail "a 501-line header: exit $rc, want 1 ($out)"

if ((failures)); then
  echo "check_sizes_test: $failures failed" >&2
  exit 1
fi
echo "check_sizes_test: all cases pass"

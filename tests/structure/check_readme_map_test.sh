#!/usr/bin/env bash
# scripts/check_readme_map.py fails where the README's "Where things are" table and the tree
# disagree, on a throwaway tree (no git: every folder but hidden ones and build trees):
#   - a complete table passes;
#   - a folder added to the tree without a row fails, naming the folder;
#   - a row whose folder is gone, or whose description names a missing file, fails, naming it.
#
# Usage: check_readme_map_test.sh CHECKER
set -uo pipefail
checker=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
run() { out=$(python3 "$checker" --root "$work/tree" 2>&1); rc=$?; }

mkdir -p "$work/tree/verifier/core" "$work/tree/scripts" "$work/tree/build"
touch "$work/tree/scripts/fuzz.sh" "$work/tree/build/CMakeCache.txt"
cat > "$work/tree/README.md" <<'MD'
# Tree

## Where things are

| folder | what |
|---|---|
| `verifier/` | the core (`core`, `core/`) |
| `scripts/` | `fuzz.sh` |

## After
MD

run
[ "$rc" -eq 0 ] || fail "a complete table (a build tree beside it) was refused: $out"

mkdir -p "$work/tree/kiosk"
run
[ "$rc" -ne 0 ] || fail "a folder without a row passed"
grep -q "the folder \`kiosk/\` has no row" <<<"$out" || fail "the missing row was not named: $out"
rmdir "$work/tree/kiosk"

rm "$work/tree/scripts/fuzz.sh"
run
[ "$rc" -ne 0 ] || fail "a row naming a missing file passed"
grep -q "\`fuzz.sh\` (in the row of \`scripts/\`)" <<<"$out" || fail "the missing file was not named: $out"
touch "$work/tree/scripts/fuzz.sh"

mv "$work/tree/verifier" "$work/tree/verify"
run
[ "$rc" -ne 0 ] || fail "a row whose folder is gone passed"
grep -q "\`verifier/\` does not exist" <<<"$out" || fail "the gone folder was not named: $out"
grep -q "the folder \`verify/\` has no row" <<<"$out" || fail "the renamed folder was not named: $out"

if [ "$failures" -ne 0 ]; then exit 1; fi
echo "check_readme_map.py: fails on a missing row, a missing path and a renamed folder"

#!/usr/bin/env bash
# The packaging step is reproducible and ships no build path:
#   packages_reproducible_test.sh --build BUILD --out DIR
#
# Makes the Debian packages of BUILD twice (scripts/package_debs.sh): into DIR, staged
# under one temporary folder with umask 022 from BUILD, and into another folder, staged
# under a folder of another name and depth with umask 077 from elsewhere; every .deb must be
# byte-identical (else scripts/deb_diff.sh says which member differs). Then no file in any
# package holds the staging folders, BUILD, or — in a package build (HALLMARK_PACKAGE_BUILD,
# what `make packages` ships) — the source folder. (A test build keeps the source tree's
# HSM profiles as a fallback, so its binaries do name the source folder: only a package
# build is held to that.) Two whole builds in two folders are `make packages-check`
# (scripts/packages_check.sh); this is the packaging half of it, on every `make test`.
# DIR is kept: the ctest fixture test_packages (packages/install-and-run, doc_run) uses it.
set -uo pipefail
build="" dest=""
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --out) dest=$2; shift 2 ;;
    *) echo "usage: $0 --build BUILD --out DIR" >&2; exit 2 ;;
  esac
done
[[ -n $build && -n $dest ]] || { echo "usage: $0 --build BUILD --out DIR" >&2; exit 2; }
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "$build")
work=$(mktemp -d "${TMPDIR:-/tmp}/hallmark-packages-repro.XXXXXX")
trap 'rm -rf "$work"' EXIT
source "$src/tests/support/shell_checks.sh"

rm -rf "$dest"
mkdir -p "$work/stage-a" "$work/a/much/deeper/staging-folder-b" "$work/elsewhere"
must "packages made (umask 022, staged in $work/stage-a)" \
  sh -c "umask 022 && cd '$build' && TMPDIR='$work/stage-a' bash '$src/scripts/package_debs.sh' '$build' '$dest'"
must "packages made again (umask 077, staged elsewhere)" \
  sh -c "umask 077 && cd '$work/elsewhere' && TMPDIR='$work/a/much/deeper/staging-folder-b' bash '$src/scripts/package_debs.sh' '$build' '$work/second'"
debs=("$dest"/*.deb)
expect "five packages" test "${#debs[@]}" = 5
for deb in "${debs[@]}"; do
  name=$(basename "$deb")
  run bash "$src/scripts/deb_diff.sh" "$deb" "$work/second/$name"
  expect "$name is identical when made again" cmp -s "$deb" "$work/second/$name"
done

paths=("$work" "$build")
package_build=$(sed -n 's/^HALLMARK_PACKAGE_BUILD:BOOL=//p' "$build/CMakeCache.txt")
[[ $package_build == ON ]] && paths+=("$src")
for deb in "${debs[@]}"; do
  name=$(basename "$deb")
  rm -rf "$work/contents" && dpkg-deb -R "$deb" "$work/contents"
  for p in "${paths[@]}"; do
    out=$(grep -rlF -- "$p" "$work/contents" | sed "s|$work/contents||")
    expect "no file of $name holds $p" test -z "$out"
  done
done
((failures == 0)) || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"

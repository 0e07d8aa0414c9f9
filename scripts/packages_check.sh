#!/usr/bin/env bash
# `make packages-check`: the packages are reproducible. Builds them twice from this commit
# (scripts/packages.sh), in two build directories of different names and with different
# umasks, and requires byte-identical .deb files (sha256); then prints the digests.
# About twice a package build; with ccache the second build mostly hits the cache.
# Not part of `make test` (two whole builds; docs/testing.md).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-$src/build-packages-check}
rm -rf "$base"
mkdir -p "$base"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct)}
(umask 022 && bash "$src/scripts/packages.sh" "$base/a-build" "$base/a-debs" > "$base/a.log")
(umask 002 && bash "$src/scripts/packages.sh" "$base/second-build-dir" "$base/b-debs" > "$base/b.log")
status=0
for deb in "$base"/a-debs/*.deb; do
  other="$base/b-debs/$(basename "$deb")"
  a=$(sha256sum < "$deb" | cut -d' ' -f1)
  b=$(sha256sum < "$other" 2>/dev/null | cut -d' ' -f1 || true)
  if [[ "$a" == "$b" ]]; then
    echo "identical  $a  $(basename "$deb")"
  else
    echo "DIFFERENT  $(basename "$deb"): $a vs ${b:-missing}" >&2
    status=1
  fi
done
[[ $status == 0 ]] && echo "packages-check: reproducible ($(ls "$base"/a-debs/*.deb | wc -l) packages)"
exit $status

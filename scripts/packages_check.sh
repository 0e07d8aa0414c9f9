#!/usr/bin/env bash
# `make packages-check`: the packages are reproducible. Builds them twice from this commit
# (scripts/packages.sh) and requires byte-identical .deb files (sha256), then prints them:
#
#   first   BASE/a-build, umask 022, through ccache when it is installed (its objects may
#           come from an earlier run of this check: compiled in this same folder);
#   second  BASE/b/second-build-dir (another name, another depth), umask 077, with
#           CCACHE_DISABLE=1: every object compiled afresh here, so a cached object can
#           never stand in for one that would differ.
#
# Then no packaged file and no unstripped build-tree program (its debug information and
# read-only data: where __FILE__ and build paths land) holds the source folder, either
# build folder or BASE: a path that did reach them would also change the GNU build id,
# which is hashed over the unstripped program.
# Takes a whole cold build (the second) plus the first's; not part of `make test`
# (docs/testing.md "Packages" has the times). ctest packages/reproducible checks the
# packaging step on every `make test`.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-$src/build-packages-check}
rm -rf "$base"
mkdir -p "$base/b"
base=$(realpath "$base")
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct)}
a_build=$base/a-build b_build=$base/b/second-build-dir
# Both builds must see the same source: a commit or an edit while the check runs (it takes
# two builds) would show up as differing packages, which is not what the check is about.
source_state() { git -C "$src" rev-parse HEAD; git -C "$src" status --porcelain --untracked-files=no; }
source_before=$(source_state)
launchers=""
command -v ccache > /dev/null &&
  launchers="-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache"

start=$SECONDS
(umask 022 && CMAKE_ARGS="$launchers ${CMAKE_ARGS:-}" \
  bash "$src/scripts/packages.sh" "$a_build" "$base/a-debs" > "$base/a.log" 2>&1) \
  || { tail -n 30 "$base/a.log"; echo "packages-check: the first build failed ($base/a.log)" >&2; exit 1; }
a_seconds=$((SECONDS - start))
echo "first build and packages: ${a_seconds} s"
start=$SECONDS
(umask 077 && CCACHE_DISABLE=1 CMAKE_ARGS="$launchers ${CMAKE_ARGS:-}" \
  bash "$src/scripts/packages.sh" "$b_build" "$base/b-debs" > "$base/b.log" 2>&1) \
  || { tail -n 30 "$base/b.log"; echo "packages-check: the second build failed ($base/b.log)" >&2; exit 1; }
echo "second build (no cache) and packages: $((SECONDS - start)) s"
if [[ "$(source_state)" != "$source_before" ]]; then
  echo "packages-check: the source in $src changed during the check (a commit or an edit" \
    "between the two builds); run it again on a source nobody changes meanwhile (a worktree)" >&2
  exit 1
fi

status=0
for deb in "$base"/a-debs/*.deb; do
  other="$base/b-debs/$(basename "$deb")"
  a=$(sha256sum < "$deb" | cut -d' ' -f1)
  b=$(sha256sum < "$other" 2>/dev/null | cut -d' ' -f1 || true)
  if [[ "$a" == "$b" ]]; then
    echo "identical  $a  $(basename "$deb")"
  else
    echo "DIFFERENT  $(basename "$deb"): $a vs ${b:-missing}" >&2
    bash "$src/scripts/deb_diff.sh" "$deb" "$other" >&2 || true
    status=1
  fi
done

# No path of this build in what is shipped, nor in the unstripped programs.
paths=("$src" "$base" "$a_build" "$b_build")
for deb in "$base"/a-debs/*.deb "$base"/b-debs/*.deb; do
  dir=$(mktemp -d "$base/contents.XXXXXX")
  dpkg-deb -R "$deb" "$dir"
  for p in "${paths[@]}"; do
    if found=$(grep -rlF -- "$p" "$dir"); then
      echo "BUILD PATH  $p in $(basename "$deb"): ${found//$dir/}" >&2
      status=1
    fi
  done
  rm -rf "$dir"
done
for build in "$a_build" "$b_build"; do
  while IFS= read -r -d '' program; do
    [[ $(head -c4 "$program" | od -An -c | tr -d ' ') == 177ELF ]] || continue
    strings=$(readelf -W -p .debug_str -p .debug_line_str -p .rodata -p .comment "$program" 2>/dev/null)
    for p in "${paths[@]}"; do
      if grep -qF -- "$p" <<<"$strings"; then
        echo "BUILD PATH  $p in ${program#"$base"/} (debug information or read-only data)" >&2
        status=1
      fi
    done
  done < <(find "$build" -path '*/CMakeFiles' -prune -o -type f -perm -u+x -print0)
done
if [[ $status == 0 ]]; then
  echo "packages-check: reproducible ($(ls "$base"/a-debs/*.deb | wc -l) packages, no build path)"
fi
exit $status

#!/usr/bin/env bash
# deb_diff.sh A.deb B.deb: what differs between two builds of one package — the member
# listing (names, order, modes, owners, times) and each file whose bytes differ (for an ELF
# program, its GNU build id too). Used by scripts/packages_check.sh and the packages tests
# to say where a reproducibility failure comes from. Exit 0 when nothing differs.
set -uo pipefail
a=${1:?usage: deb_diff.sh A.deb B.deb} b=${2:?usage: deb_diff.sh A.deb B.deb}
work=$(mktemp -d "${TMPDIR:-/tmp}/hallmark-deb-diff.XXXXXX")
trap 'rm -rf "$work"' EXIT
status=0
if ! diff <(ar tv "$a") <(ar tv "$b") > "$work/ar.diff"; then
  echo "  ar members differ:"; sed 's/^/    /' "$work/ar.diff"; status=1
fi
if ! diff <(dpkg-deb -c "$a") <(dpkg-deb -c "$b") > "$work/list.diff"; then
  echo "  data listing differs (names, order, modes, owners or times):"
  sed 's/^/    /' "$work/list.diff" | head -n 20; status=1
fi
dpkg-deb -R "$a" "$work/a" && dpkg-deb -R "$b" "$work/b" || exit 1
while IFS= read -r line; do
  status=1
  echo "  $line"
  if [[ $line =~ ^Files\ (.*)\ and\ (.*)\ differ$ ]]; then
    for f in "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"; do
      id=$(readelf -n "$f" 2>/dev/null | awk '/Build ID/ {print $3}')
      [[ -n $id ]] && echo "    build id ${id} (${f#"$work"/})"
    done
    case $f in *.gz) cmp <(zcat "${BASH_REMATCH[1]}") <(zcat "${BASH_REMATCH[2]}") > /dev/null \
      && echo "    (same text: the gzip header differs)" ;; esac
  fi
done < <(diff -rq "$work/a" "$work/b")
exit $status

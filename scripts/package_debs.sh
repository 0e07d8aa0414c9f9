#!/usr/bin/env bash
# Makes the Debian packages from a built tree: package_debs.sh BUILD_DIR OUT_DIR.
#
#   hallmark-verify        hallmark-verify (QA, EMS, auditors)
#   hallmark-station       hallmark-station, hallmark-station-console (a factory station)
#   hallmark-signer        hallmark-signer, hallmark-ceremony, hallmark-custodian-console
#   hallmark-devsim        hallmark-devsim and its clock shim (tests and demos only)
#   hallmark-hsm-profiles  /usr/share/hallmark/profiles (the station and the signer use them)
#
# Each package is staged with `cmake --install --component` (prefix /usr, stripped), gets
# man pages generated from the binaries' --help by help2man, Depends from dpkg-shlibdeps
# (plus hallmark-hsm-profiles of the same version for the station and the signer), and is
# built by dpkg-deb.
# Reproducible: SOURCE_DATE_EPOCH (default: the commit time) sets every mtime and the man
# pages' date, owners are root, members are sorted, gzip stores no name or time; with a
# package build (scripts/packages.sh: no build paths in the binaries) two builds of one
# commit give byte-identical .deb files (scripts/packages_check.sh checks it).
# Prints the path of each .deb made. Installs nothing on this machine.
set -euo pipefail
build=$(realpath "${1:?usage: package_debs.sh BUILD_DIR OUT_DIR}")
out=${2:?usage: package_debs.sh BUILD_DIR OUT_DIR}
src=$(cd "$(dirname "$0")/.." && pwd)
umask 022
export LC_ALL=C.UTF-8 TZ=UTC
if [[ -z "${SOURCE_DATE_EPOCH:-}" ]]; then
  SOURCE_DATE_EPOCH=$(git -C "$src" log -1 --format=%ct 2>/dev/null || echo 0)
fi
export SOURCE_DATE_EPOCH

verify_bin="$build/verifier/hallmark-verify"
[[ -x "$verify_bin" ]] || { echo "package_debs.sh: $verify_bin is not built" >&2; exit 1; }
# The Debian version is the build id (`--version`): 0.1.0+g<commit>[-dirty].
version=$("$verify_bin" --version | awk '{print $2}')
arch=$(dpkg --print-architecture)
mkdir -p "$out"
out=$(realpath "$out")
stage_root=$(mktemp -d "${TMPDIR:-/tmp}/hallmark-debs.XXXXXX")
trap 'rm -rf "$stage_root"' EXIT

# package|components|binaries for man pages|Depends beyond the shared libraries|Description
packages=(
  "hallmark-verify|hallmark-verify|hallmark-verify||Hallmark verifier: check Hallmark documents offline with public keys only"
  "hallmark-station|hallmark-station|hallmark-station hallmark-station-console|hallmark-hsm-profiles (= $version)|Hallmark factory station: journal, device programming and operator console"
  "hallmark-signer|hallmark-signer|hallmark-signer hallmark-ceremony hallmark-custodian-console|hallmark-hsm-profiles (= $version)|Hallmark signing host: signer, key ceremonies and custodian console"
  "hallmark-devsim|hallmark-devsim|hallmark-devsim||Hallmark device simulator (tests and demos only, never on a factory line)"
  "hallmark-hsm-profiles|hallmark-profiles|||Hallmark HSM profiles: what Hallmark knows about each family of tokens"
)

# The shared-library packages the staged ELF files need, with versions (dpkg-shlibdeps
# reads this machine's shlibs/symbols files: Debian 12's, so the same for every build).
shlib_depends() {
  local stage=$1 files=() f
  while IFS= read -r -d '' f; do
    [[ $(head -c4 "$f" | od -An -c | tr -d ' ') == 177ELF ]] && files+=(-e"$f")
  done < <(find "$stage/usr" -type f -print0 | sort -z)
  ((${#files[@]})) || return 0
  local dir
  dir=$(mktemp -d "$stage_root/shlibs.XXXXXX")
  mkdir -p "$dir/debian"
  printf 'Source: hallmark\n\nPackage: hallmark\nArchitecture: any\n' > "$dir/debian/control"
  (cd "$dir" && dpkg-shlibdeps -O "${files[@]}" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
  rm -rf "$dir"
}

for entry in "${packages[@]}"; do
  IFS='|' read -r name components mans extra description <<<"$entry"
  stage="$stage_root/$name"
  mkdir -p "$stage/DEBIAN"
  for c in $components; do
    DESTDIR="$stage" cmake --install "$build" --component "$c" --prefix /usr --strip >/dev/null
  done
  for bin in $mans; do
    mkdir -p "$stage/usr/share/man/man1"
    # The consoles are Qt applications: --help must not need a display. Run by its bare
    # name (from PATH): hallmark-devsim and the custodian console echo argv[0] in --help,
    # and help2man takes the folder off the usage line only.
    PATH="$stage/usr/bin:$PATH" QT_QPA_PLATFORM=offscreen help2man -N \
      --section=1 --source="Hallmark $version" --output="$stage/usr/share/man/man1/$bin.1" \
      "$bin"
    gzip -9n "$stage/usr/share/man/man1/$bin.1"
  done
  mkdir -p "$stage/usr/share/doc/$name"
  printf 'Hallmark %s, built from %s.\nSee https://github.com/ (the Hallmark repository) docs/ for the guides.\n' \
    "$name" "$version" > "$stage/usr/share/doc/$name/README"
  if [[ $name == hallmark-hsm-profiles ]]; then pkg_arch=all; else pkg_arch=$arch; fi
  depends=$(shlib_depends "$stage")
  [[ -n $extra ]] && depends=${depends:+$depends, }$extra
  {
    echo "Package: $name"
    echo "Version: $version"
    echo "Architecture: $pkg_arch"
    echo "Maintainer: Hallmark maintainers <hallmark@localhost>"
    # In KiB, from the files' sizes only (a directory's size depends on the file system).
    echo "Installed-Size: $(find "$stage" -path "$stage/DEBIAN" -prune -o -type f -printf '%s\n' \
      | awk '{ kib += int(($1 + 1023) / 1024) } END { print kib + 0 }')"
    [[ -n "$depends" ]] && echo "Depends: $depends"
    [[ $name == hallmark-devsim ]] && echo "Recommends: softhsm2"
    echo "Section: admin"
    echo "Priority: optional"
    echo "Description: $description"
  } > "$stage/DEBIAN/control"
  # Fixed modes and times: nothing from this machine's umask or clock reaches the package.
  find "$stage" -type d -exec chmod 0755 {} +
  find "$stage" -type f ! -perm -u+x -exec chmod 0644 {} +
  find "$stage" -type f -perm -u+x -exec chmod 0755 {} +
  find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  deb="$out/${name}_${version}_${pkg_arch}.deb"
  rm -f "$deb"
  dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
  echo "$deb"
done

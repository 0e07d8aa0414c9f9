#!/usr/bin/env bash
# The Debian packages install and run:
#   packages_install_test.sh --debs DIR --build BUILD --demo DEMO_OUT
#
# Takes the packages made from the build tree (DIR: packages/reproducible made them with
# scripts/package_debs.sh), installs them with
# `dpkg --root` into a fresh root under a temporary directory (never into this machine:
# --force-depends because that root holds no libraries; the binaries use this machine's),
# then from that root only: every program's --version names the exact build; the man
# pages are there; the HSM profiles are read from <root>/usr/share/hallmark/profiles (a
# profile removed there is missed by name, so the source tree is not what they read);
# hallmark-verify checks a demo manifest and a demo promoted bundle; hallmark-station reads
# a copy of the demo's station-1 state through its SoftHSM token; hallmark-signer shows a
# demo bundle. Leaves nothing behind.
set -uo pipefail
build="" demo="" debs_dir=""
while (($#)); do
  case $1 in
    --debs) debs_dir=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --demo) demo=$2; shift 2 ;;
    *) echo "usage: $0 --debs DIR --build BUILD --demo DEMO_OUT" >&2; exit 2 ;;
  esac
done
[[ -n $debs_dir && -n $build && -n $demo ]] ||
  { echo "usage: $0 --debs DIR --build BUILD --demo DEMO_OUT" >&2; exit 2; }
[[ -s $demo/ceremony/anchor.sha256 ]] || { echo "$demo is not a finished demo output" >&2; exit 2; }
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/hallmark-packages.XXXXXX")
trap 'rm -rf "$work"' EXIT
source "$src/tests/support/shell_checks.sh"

mkdir -p "$work/debs" && cp "$debs_dir"/*.deb "$work/debs/" || { echo "FAIL: no packages in $debs_dir"; exit 1; }
debs=$(ls "$work"/debs/*.deb)
for p in hallmark-verify hallmark-station hallmark-signer hallmark-devsim hallmark-hsm-profiles; do
  expect "package $p was made" has "$debs" "/${p}_"
done
# Depends are declared (dpkg-deb -f reads the control file back).
must "hallmark-station depends on the profiles of its own build" \
  sh -c "dpkg-deb -f '$work'/debs/hallmark-station_*.deb Depends | grep -q 'hallmark-hsm-profiles (= '"
must "hallmark-verify depends on libssl3" \
  sh -c "dpkg-deb -f '$work'/debs/hallmark-verify_*.deb Depends | grep -q libssl3"

root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
must "the packages install into a fresh root" \
  dpkg --root="$root" --force-depends --force-script-chrootless -i $debs
must "dpkg lists them installed" \
  sh -c "dpkg --root='$root' -l 'hallmark-*' | grep -c '^ii' | grep -qx 5"

expected=$("$build/verifier/hallmark-verify" --version | awk '{print $2}')
expect "the build id names a commit ($expected)" has "$expected" "+g"
for bin in hallmark-verify hallmark-station hallmark-station-console hallmark-signer \
           hallmark-ceremony hallmark-custodian-console hallmark-devsim; do
  out=$(QT_QPA_PLATFORM=offscreen "$root/usr/bin/$bin" --version 2>/dev/null)
  expect "$bin --version names the build ($out)" test "$out" = "$bin $expected"
  expect "$bin has a man page" sh -c "zcat '$root/usr/share/man/man1/$bin.1.gz' | grep -q '^.TH'"
done
must "the HSM profiles are installed" test -s "$root/usr/share/hallmark/profiles/softhsm2.textproto"

# Real work from the installed programs, on a copy of the demo's output.
mkdir -p "$work/demo" && cp -a "$demo/." "$work/demo/"
cd "$work/demo" || exit 2
rm -f devices/*.sock
sed -i "s|^directories.tokendir = .*|directories.tokendir = $work/demo/tokens|" softhsm2.conf
export SOFTHSM2_CONF="$work/demo/softhsm2.conf" DEMO_PIN="demo-user-pin"
pin=$(cat ceremony/anchor.sha256)
trust=(--trust-root ceremony/trust-root-v1.json --pin-digest "$pin")
manifest=$(ls evidence/manifests/SN-0001.*.manifest.json | head -1)
must "installed hallmark-verify checks a manifest" "$root/usr/bin/hallmark-verify" manifest "$manifest" "${trust[@]}"
bundle=$(ls release/*.promoted.bundle | head -1)
must "installed hallmark-verify checks a promoted bundle" "$root/usr/bin/hallmark-verify" bundle "$bundle" "${trust[@]}"
must "installed hallmark-signer shows a bundle" "$root/usr/bin/hallmark-signer" bundle show "$bundle"
line=(--allow-software-token --token "pkcs11:token=station-1" --pin env:DEMO_PIN --state "$work/demo/station-1")
must "installed hallmark-station reads its state through its token" "$root/usr/bin/hallmark-station" status "${line[@]}"
# The profile is the installed one: without it there, the station names where it looked.
mv "$root/usr/share/hallmark/profiles/softhsm2.textproto" "$work/softhsm2.textproto"
run "$root/usr/bin/hallmark-station" status "${line[@]}"
expect "a profile missing from the installed folder is missed (exit 2)" test "$rc" = 2
expect "the error names the installed folder" has "$err" "$root/usr/share/hallmark/profiles"
mv "$work/softhsm2.textproto" "$root/usr/share/hallmark/profiles/softhsm2.textproto"
((failures == 0)) || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"

#!/usr/bin/env bash
# Every Hallmark command the README, the guides and demo-out/README.md show runs as written
# on the demo's output and exits as the text says.
#
# Usage: doc_run_test.sh --demo DEMO_OUT [--packages DIR] [--bin NAME=PATH]... DOC...
#
# DEMO_OUT is what `make demo` (the ctest fixture `demo`) left; it is never changed: each DOC
# runs, in the order it shows them, in its own scratch copy (its SoftHSM tokens included).
# Commands come from doc_extract.sh in run mode. Each runs with bash in the copy, with the
# Hallmark binaries (--bin, as doc_commands_test.sh takes them) first on PATH, stdin closed (a PIN prompt fails, it never hangs)
# and a time limit. It must exit 0, or N when its line ends with a comment "# exit N: why",
# or as a <!-- docs-test: exit N --> marker says; a <!-- docs-test: skip WHY --> block is
# not run (each skip is listed); a <!-- docs-test: packages WHY --> block needs the Debian
# packages of this build (DIR: the ctest fixture test_packages) and is skipped, listed,
# without --packages (a build without the Qt consoles makes no packages).
#
# What a guide shows as an example stands for the demo's real value, replaced word for word
# before the command runs (the table `names` below, per guide): a placeholder (9a0c4e...,
# DIGEST, WEEK), a path of a production host (/var/lib/hallmark-station), a file the demo
# keeps elsewhere (trust-root-v1.json is ceremony/trust-root-v1.json) and a PIN `prompt`
# (the demo's throwaway PINs come by environment variable name, as in scripts/demo/). What
# a guide takes as given before its first command (the custodians' revocations, a device
# on the fixture) is prepared by `given_<guide>` below, with the products' own commands.
# Every failure names the doc, the line, the command as run, its exit and its output.
set -uo pipefail

demo=""
packages=""
docs=()
declare -A bin_path=()
while (($#)); do
  case $1 in
    --demo) demo=$2; shift 2 ;;
    --packages) packages=$(realpath "$2"); shift 2 ;;
    --bin) [[ $2 == *=* ]] || { echo "usage: --bin NAME=PATH" >&2; exit 2; }
           bin_path[${2%%=*}]=$2; shift 2 ;;
    *) docs+=("$1"); shift ;;
  esac
done
if [[ -z $demo || ${#docs[@]} -eq 0 ]]; then
  echo "usage: $0 --demo DEMO_OUT [--bin NAME=PATH]... DOC..." >&2; exit 2
fi
if [[ ! -s $demo/ceremony/anchor.sha256 || ! -d $demo/evidence/manifests ]]; then
  echo "doc_run_test: $demo is not a finished demo output (run the demo test first)" >&2; exit 2
fi
source "$(dirname "${BASH_SOURCE[0]}")/doc_extract.sh"
demo=$(cd "$demo" && pwd)
for i in "${!docs[@]}"; do docs[i]=$(realpath "${docs[i]}"); done
export DEMO_PIN="demo-user-pin" DEMO_SO_PIN="demo-so-pin" DEMO_PASSPHRASE="demo-share-passphrase"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/hallmark-doc-run.XXXXXX")
devices=()
cleanup() {
  local pid
  for pid in "${devices[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  rm -rf "$scratch"
}
trap cleanup EXIT
# The binaries by the names the docs use, first on PATH.
bin_dir="$scratch/bin"
mkdir -p "$bin_dir"
for name in hallmark-ceremony hallmark-signer hallmark-station hallmark-verify hallmark-devsim; do
  spec=${bin_path[$name]:-}
  path=${spec#*=}
  [[ -n $spec ]] || path=$(command -v "$name") || { echo "doc_run_test: no $name (--bin)" >&2; exit 2; }
  ln -s "$(realpath "$path")" "$bin_dir/$name"
done
export PATH="$bin_dir:$PATH"

# The demo's real values.
anchor=$(<"$demo/ceremony/anchor.sha256")
manifest=$(cd "$demo" && ls evidence/manifests/SN-0001.*.manifest.json | head -1)
segment=$(cd "$demo" && ls evidence/retention/hallmark-log-*.segment | head -1)
day=${segment##*hallmark-log-}; day=${day%.segment}
week=$(date -u -d "$day" +%G-W%V)
monday=$(date -u -d "$day -$(( $(date -u -d "$day" +%u) - 1 )) days" +%F)
sunday=$(date -u -d "$monday +6 days" +%F)
sensor_digest=$(awk -F, 'NR == 2 {print $9}' "$demo/evidence/units-sensor-c6.csv")
# The packages of this build (--packages), by file name, and their version's release part.
station_deb="" profiles_deb="" software_version=""
if [[ -n $packages ]]; then
  station_deb=$(cd "$packages" && ls hallmark-station_*.deb) &&
    profiles_deb=$(cd "$packages" && ls hallmark-hsm-profiles_*.deb) ||
    { echo "doc_run_test: no hallmark-station or hallmark-hsm-profiles package in $packages" >&2; exit 2; }
  software_version=${station_deb#hallmark-station_}; software_version=${software_version%%+*}
fi

# names DOC: the replacements for that guide, "EXAMPLE<TAB>DEMO VALUE" per line, longest
# first where one example is part of another.
names() {
  local common
  common=$(cat <<NAMES
9a0c4e...	$anchor
trust/trust-root-v1.json	ceremony/trust-root-v1.json
trust-root-v1.transcript.json	ceremony/trust-root-v1.transcript.json
trust-root-v1.json	ceremony/trust-root-v1.json
plan.textproto	ceremony/plan.textproto
/var/lib/hallmark/promotions	release/history
alice.pem	keys/alice.pem
bob.pem	keys/bob.pem
station-1.pem	keys/station-1.pem
NAMES
)
  case ${1##*/} in
    auditor.md) cat <<NAMES
$common
approval-alice.transcript.json	release/sensor-c6-1.0.0.approval-alice.transcript.json
sensor-c6-1.1.0.promoted.bundle	release/sensor-c6-1.0.0.promoted.bundle
revocation-1.json	refused/revoke-station-1.json
sim:/run/devsim/unit.sock	sim:devices/unit.sock
manifests/	evidence/manifests/
SN-0042.118.manifest.json	$manifest
station-1.registration.json	station/station-1.registration.json
SN-0042.*.manifest.json	evidence/manifests/SN-0001.*.manifest.json
hallmark-log-2026-11-21.segment	$segment
station-1-2026-11-21.export	station/station-1.export.pb
statement.dsse.json	statement.dsse.json
evidence.db	evidence/evidence.db
5d41402abc4b2a76b9719d911017c592...	$sensor_digest
SN-0042	SN-0035
C6-00002A	C6-000012
2026-11-16	$monday
2026-11-22	$sunday
2026-W47	$week
NAMES
    ;;
    custodian.md) cat <<NAMES
$common
plan-new-hsm.textproto	ceremony/plan-new-hsm.textproto
--signer-so-pin prompt	--signer-so-pin env:DEMO_SO_PIN
--passphrase alice=prompt	--passphrase alice=env:DEMO_PASSPHRASE
--passphrase bob=prompt	--passphrase bob=env:DEMO_PASSPHRASE
--passphrase carol=prompt	--passphrase carol=env:DEMO_PASSPHRASE
sensor-c6-1.1.0.bundle	release/sensor-c6-1.0.0.bundle
station-2.request.json	station/station-2.request.json
roster.textproto	people/roster.textproto
3f1c0a7e...	$(printf '3f1c0a7e%056d' 0)
NAMES
    ;;
    release-manager.md) cat <<NAMES
$common
sensor-c6.textproto	firmware/sensor-c6-1.1.0.textproto
skus.textproto	firmware/catalog.textproto
NAMES
    ;;
    station-operator.md) cat <<NAMES
$common
SN-0042.118.manifest.json	$manifest
/var/lib/hallmark-station/policy.textproto	station-1/policy.textproto
/var/lib/hallmark-station	station-1
station-1.registration.json	station/station-1.registration.json
sensor-c6-1.1.0.promoted.bundle	release/sensor-c6-1.0.0.promoted.bundle
roster.textproto	people/roster.textproto
roster-v1.json	people/roster-v1.json
roster-v2.json	people/roster-v2.json
nina.pub.pem	people/nina.pub.pem
sim:/run/devsim/unit.sock	sim:devices/unit.sock
sim:/run/devsim/unit-2.sock	sim:devices/unit-2.sock
manifests/	evidence/manifests/
station-software-0.2.0.promoted.bundle	release/station-software.promoted.bundle
hallmark-station_0.2.0+g1a2b3c4d5e6f_amd64.deb	release/$station_deb
hallmark-hsm-profiles_0.2.0+g1a2b3c4d5e6f_all.deb	release/$profiles_deb
hallmark-station --version	$work/station-root/usr/bin/hallmark-station --version
NAMES
    ;;
    *) printf '%s\n' "$common" ;;
  esac
}

# substitute DOC COMMAND: COMMAND with the guide's examples replaced by the demo's values
# (whole words only: a name inside a longer path is left alone) and `prompt` PINs by the
# demo's throwaway PIN variable; a production command of the signer or a station gets
# --allow-software-token (the demo's tokens are SoftHSM).
substitute() {
  local table; table=$(names "$1")
  NAMES="$table" perl -e '
    my $cmd = $ARGV[0];
    for my $line (split /\n/, $ENV{NAMES}) {
      my ($from, $to) = split /\t/, $line, 2;
      next unless defined $to && length $from;
      $cmd =~ s/(?<![A-Za-z0-9_.\/-])\Q$from\E(?![A-Za-z0-9_\/-]|\.[A-Za-z0-9])/$to/g;
    }
    $cmd =~ s/(^|[ =])prompt(?=\s|$)/$1env:DEMO_PIN/g;
    # The guides show production commands; the demo'"'"'s tokens are SoftHSM, so its
    # production commands say --allow-software-token (not the token administration ones).
    if ($cmd =~ /^hallmark-(signer|station) / && $cmd !~ /install-registration|--allow-software-token/) {
      $cmd =~ s/ (--(?:token|key|card)[ =][\x27"]?pkcs11:)/ --allow-software-token $1/;
    }
    print $cmd;
  ' "$2"
}

# A simulated chip per socket a guide names (devices/NAME.sock), started on first use.
device_for() {  # device_for COMMAND: starts the devsim of every devices/*.sock it names
  local sock
  for sock in $(grep -oE 'sim:devices/[A-Za-z0-9_-]+\.sock' <<<"$1" | sed 's/^sim://' | sort -u); do
    [[ -S $sock ]] && continue
    # The guides program sensor-c6: the chip is that SKU's part (an ESP32-C6 with 4 MiB).
    "$bin_dir/hallmark-devsim" --socket "$sock" --family esp32-c6 --flash-size 4194304 \
      < /dev/null > /dev/null 2>&1 &
    devices+=($!)
    for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.05; done
  done
}

# What a guide takes as given, run in its copy before its first command.
given_station-operator() {
  # A blank card for the new hire, on the roster spec the station admin updates.
  hallmark-ceremony token init --label person-nina --so-pin env:DEMO_SO_PIN --pin env:DEMO_PIN \
    > /dev/null 2>&1 &&
  echo 'people { name: "nina" role: "operator" public_key_file: "nina.pub.pem" stations: "station-1" }' \
    >> people/roster.textproto &&
  # The custodians' revocations the station admin receives.
  # (A station and a bundle this line never had: revoking carol, say, would also undo the
  # registration she signed.)
  hallmark-ceremony revoke --plan ceremony/plan.textproto --trust-root ceremony/trust-root-v1.json \
    --station station-3 --reason "stolen" --out revocation-1.json \
    --pin alice=env:DEMO_PIN --pin bob=env:DEMO_PIN --present alice,bob > /dev/null 2>&1 &&
  hallmark-ceremony revoke --plan ceremony/plan.textproto --trust-root ceremony/trust-root-v1.json \
    --bundle "$(printf '3f1c0a7e%056d' 0)" --reason "withdrawn" --out revocation-2.json \
    --pin alice=env:DEMO_PIN --pin bob=env:DEMO_PIN --present alice,bob > /dev/null 2>&1 &&
  { [[ -z $packages ]] || given_station_software; }
}
# The update path's station-software release (docs/release.md "Station software"): this
# build's packages, bundled, approved by alice and bob, promoted with the release key, as
# the demo releases firmware; and the guide's `dpkg -i` of them, into a scratch root (never
# into this machine; not a Hallmark command, so the loop below does not run it).
given_station_software() {
  local requester who
  requester=$(awk '/^key id/ {print $NF}' keys/carol.txt)
  cp "$packages/$station_deb" "$packages/$profiles_deb" release/ &&
  cat > release/station-software.textproto <<SPEC &&
station_software: true
sku: "station-software"
version: "$software_version"
requester: "$requester"
images { name: "hallmark-station" path: "$station_deb" }
images { name: "hallmark-hsm-profiles" path: "$profiles_deb" }
SPEC
  hallmark-signer bundle create --spec release/station-software.textproto \
    --catalog firmware/catalog.textproto --out release/station-software.bundle > /dev/null || return 1
  for who in alice bob; do
    hallmark-ceremony approve release/station-software.bundle --plan ceremony/plan.textproto \
      --trust-root ceremony/trust-root-v1.json --custodian "$who" --channel production \
      --request-id REL-station-software --history release/history \
      --out "release/station-software.approval-$who.json" --pin "$who=env:DEMO_PIN" \
      > /dev/null 2>&1 || return 1
  done
  hallmark-signer promote release/station-software.bundle \
    --approval release/station-software.approval-alice.json \
    --approval release/station-software.approval-bob.json --trust-root ceremony/trust-root-v1.json \
    --allow-software-token --key "pkcs11:token=signer-hsm;object=release" --pin env:DEMO_PIN \
    --history release/history --channel production \
    --out release/station-software.promoted.bundle > /dev/null 2>&1 &&
  mkdir -p station-root/var/lib/dpkg/info station-root/var/lib/dpkg/updates &&
  touch station-root/var/lib/dpkg/status &&
  dpkg --root="$PWD/station-root" --force-depends --force-script-chrootless \
    -i "release/$station_deb" "release/$profiles_deb" > /dev/null
}
given_custodian() {  # the restore's plan: the demo's, its signer HSM a fresh token
  sed 's/token=signer-hsm"/token=signer-hsm-new"/' ceremony/plan.textproto \
    > ceremony/plan-new-hsm.textproto
}

given_release-manager() {  # the next release's spec: the demo's, one version later
  sed -e 's/^version: .*/version: "1.1.0"/' -e 's/^security_counter: .*/security_counter: 2/' \
    firmware/sensor-c6.textproto > firmware/sensor-c6-1.1.0.textproto
}

failures=0 ran=0 skipped=0
fail() { echo "FAIL $1"; failures=$((failures + 1)); }

for doc in "${docs[@]}"; do
  name=${doc##*/}; name=${name%.md}
  work="$scratch/$name"
  cp -a "$demo" "$work"   # modes kept: the stations' caches stay read-only
  rm -f "$work"/devices/*.sock   # the demo's chips are gone: only their socket files were copied
  # The copy's own tokens: nothing a guide does reaches the demo's.
  sed -i "s|^directories.tokendir = .*|directories.tokendir = $work/tokens|" "$work/softhsm2.conf"
  export SOFTHSM2_CONF="$work/softhsm2.conf" HOME="$work/home"
  mkdir -p "$HOME" && echo "$anchor" > "$HOME/hallmark-anchor.sha256"
  export LINE="--allow-software-token --token pkcs11:token=station-1 --pin env:DEMO_PIN --state station-1"
  cd "$work" || exit 2
  if declare -F "given_$name" > /dev/null && ! "given_$name"; then
    fail "$doc: its preparation (given_$name in $0) failed"; continue
  fi
  before=$ran
  while IFS=$'\t' read -r d line cmd marker; do
    want=0
    if [[ $marker == skip* ]]; then
      echo "skip $d:$line (${marker#skip }): $cmd"; skipped=$((skipped + 1)); continue
    fi
    if [[ $marker == packages* && -z $packages ]]; then
      echo "skip $d:$line (no --packages: ${marker#packages }): $cmd"; skipped=$((skipped + 1))
      continue
    fi
    [[ $marker =~ ^exit\ ([0-9]+) ]] && want=${BASH_REMATCH[1]}
    [[ $cmd =~ \#\ *exits?\ ([0-9]+) ]] && want=${BASH_REMATCH[1]}
    cmd=$(sed -E 's/[[:space:]]+#([[:space:]].*)?$//' <<<"$cmd")
    run=$(substitute "$d" "$cmd")
    device_for "$run"
    out=$(timeout 120 bash -c "$run" < /dev/null 2>&1); rc=$?
    ran=$((ran + 1))
    if [[ $rc -ne $want ]]; then
      fail "$d:$line: exit $rc, the text says $want"
      echo "     as written: $cmd"
      echo "     as run:     $run"
      sed 's/^/     | /' <<<"$out" | head -n 15
    elif [[ -n ${DOC_RUN_VERBOSE:-} ]]; then
      echo "ok   $d:$line: $run"
    fi
  done < <(extract "$doc" run)
  echo "$doc: $((ran - before)) command(s) run"
  cd "$scratch" || exit 2
done

echo "doc_run_test: $ran command(s) run, $skipped skipped, $failures failure(s)"
((ran > 0)) || { echo "FAIL: no command run (is the extraction broken?)"; exit 1; }
((failures == 0))

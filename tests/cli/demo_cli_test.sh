#!/usr/bin/env bash
# Command shapes and error messages a new user meets, run on a scratch copy of the demo's
# output (the ctest fixture `demo_output`: a whole factory day, its tokens included) with
# the binaries given. One case per process: ctest runs each as its own test.
#
# Usage: demo_cli_test.sh --demo DEMO_OUT --bin-dir DIR CASE
# DIR holds hallmark-ceremony, -signer, -station, -verify and -devsim. Every case prints
# what it checked and exits non-zero, naming the check, when one fails.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../support/demo_copy.sh"
demo_copy_args "$@"
demo_copy_enter demo-cli
anchor=$(<ceremony/anchor.sha256)
trust=(--trust-root ceremony/trust-root-v1.json --pin-digest "$anchor")
line1=(--allow-software-token --token "pkcs11:token=station-1" --pin env:DEMO_PIN --state station-1)

# run, expect, must, has, count (and the failures count)
source "$(dirname "${BASH_SOURCE[0]}")/../support/shell_checks.sh"
device_on() {  # device_on HARDWARE-ID: a simulated chip on devices/t.sock
  mkdir -p devices && rm -f devices/t.sock
  "$devsim" --socket devices/t.sock --hardware-id "$1" < /dev/null > /dev/null 2>&1 &
  device_pid=$!
  for _ in $(seq 100); do [[ -S devices/t.sock ]] && return; sleep 0.05; done
  echo "device did not start" >&2; exit 2
}

case $case in
  manifest-glob-of-a-unit)
    # A unit has a manifest per event: the documented SERIAL.*.manifest.json names them all.
    files=(evidence/manifests/SN-0001.*.manifest.json)
    expect "the demo has more than one manifest for SN-0001" test "${#files[@]}" -gt 1
    run "$verify" manifest "${files[@]}" "${trust[@]}"
    expect "verify manifest SN-0001.* exits 0" test "$rc" -eq 0
    expect "each file is verified and named" test "$(grep -c '^OK: ' <<<"$out")" -eq "${#files[@]}"
    cp "${files[0]}" refused/copy.manifest.json
    sed 's/"manifest": "C/"manifest": "A/' "${files[1]}" > refused/bad.manifest.json
    run "$verify" manifest refused/copy.manifest.json refused/bad.manifest.json "${trust[@]}"
    expect "one bad file of two fails the command (exit 1)" test "$rc" -eq 1
    expect "the good one is still verified" has "$out" "OK: refused/copy.manifest.json"
    expect "the failure names the bad file" has "$err" "refused/bad.manifest.json"
    run "$verify" --json manifest "${files[@]}" "${trust[@]}"
    expect "--json with several files is a usage error (one JSON document each)" test "$rc" -eq 2
    ;;
  unknown-flag-named)
    # A mistyped flag is named (with the nearest option), not reported as a missing one.
    for cmd in "$verify manifest x.json --trustroot ceremony/trust-root-v1.json" \
               "$station status --sate station-1" \
               "$signer query --stor evidence/evidence.db" \
               "$ceremony token status --tokn pkcs11:token=x"; do
      read -r -a words <<<"$cmd"
      bad=$(grep -oE -- '--(trustroot|sate|stor|tokn)' <<<"$cmd")
      run "${words[@]}"
      expect "${words[0]##*/} ${words[1]}: exit 2" test "$rc" -eq 2
      expect "${words[0]##*/} ${words[1]}: names $bad" has "$err" "unknown option $bad"
      expect "${words[0]##*/} ${words[1]}: no 'is required' first" test "$(grep -c 'is required' <<<"$err")" -eq 0
    done
    run "$verify" manifest x.json --trustroot ceremony/trust-root-v1.json
    expect "suggests --trust-root" has "$err" "did you mean --trust-root?"
    ;;
  truncated-manifest)
    m=$(ls evidence/manifests/SN-0001.*.manifest.json | head -1)
    size=$(stat -c %s "$m")
    # Cut inside a string, just after the first field, and one byte short of the end.
    for at in 700 $(( $(grep -bo '",' "$m" | head -1 | cut -d: -f1) + 2 )) $((size - 2)); do
      head -c "$at" "$m" > refused/cut.manifest.json
      run "$verify" manifest refused/cut.manifest.json "${trust[@]}"
      expect "cut at $at of $size: exit 1" test "$rc" -eq 1
      expect "cut at $at: names the file and says it is truncated" \
        has "$err" "refused/cut.manifest.json: not a manifest file: the file is truncated"
      expect "cut at $at: no parser dump (one short line)" test "$(wc -l <<<"$err")" -eq 1 -a "$(wc -c <<<"$err")" -lt 400
    done
    : > refused/empty.manifest.json
    run "$verify" manifest refused/empty.manifest.json "${trust[@]}"
    expect "an empty file says empty" has "$err" "refused/empty.manifest.json: not a manifest file: the file is empty"
    ;;
  query-unknown-serial-hint)
    run "$signer" query --store evidence/evidence.db --serial SN-032
    expect "query of an unknown serial exits 0 (no match is an answer)" test "$rc" -eq 0
    expect "it says 0 entries" has "$out" "0 entries"
    expect "it names the nearest serial in the store" has "$err" "SN-0032"
    run "$signer" query --store evidence/evidence.db --serial SN-0032
    expect "a known serial gets no hint" test -z "$err"
    run "$signer" query --store evidence/evidence.db --hardware-id C6-00032 --csv
    expect "a hardware id likewise (CSV stays data on stdout)" has "$err" "C6-000032"
    ;;
  missing-state-dir)
    run "$station" status --allow-software-token --token "pkcs11:token=station-1" --pin env:DEMO_PIN --state station-9
    expect "a missing --state exits 4" test "$rc" -eq 4
    expect "it says the folder does not exist" has "$err" "station-9 does not exist"
    expect "not: run install-registration" test "$(grep -c 'run hallmark-station install-registration' <<<"$err")" -eq 0
    expect "before the token is opened (no PIN asked)" test "$(grep -c 'PIN state' <<<"$err")" -eq 0
    expect "nothing made" test ! -e station-9
    run "$station" intake release/sensor-c6-1.0.0.promoted.bundle --state station-9
    expect "intake: exit 4, nothing made" test "$rc" -eq 4 -a ! -e station-9
    ;;
  export-takes-state)
    run "$station" export "${line1[@]}" --out refused/by-state.export.pb
    expect "export --state --token --pin exits 0" test "$rc" -eq 0
    expect "it names the station from its registration" has "$out" "station id   station-1"
    run "$verify" journal refused/by-state.export.pb --station-key keys/station-1.pem
    expect "the export verifies with the station key" test "$rc" -eq 0
    run "$station" export "${line1[@]}" --station-id station-2 --out refused/other.export.pb
    expect "a --station-id that is not the state's is refused" test "$rc" -eq 2 -a ! -e refused/other.export.pb
    ;;
  countersign-registration-dir)
    # station/ holds registrations with their transcripts and the enrollment requests.
    run "$signer" countersign station/station-1.export.pb station/station-2.export.pb \
      --store refused/dir.db --trust-root ceremony/trust-root-v1.json --registration station \
      --roster people/roster-v1.json --release release/sensor-c6-1.0.0.promoted.bundle \
      --release release/gateway-n9-2.1.0.promoted.bundle \
      --allow-software-token --key "pkcs11:token=signer-hsm;object=evidence" --pin env:DEMO_PIN
    expect "countersign --registration DIR exits 0" test "$rc" -eq 0
    expect "it says which files it passed over" has "$err" "station-1.registration.transcript.json"
    run "$signer" countersign station/station-1.export.pb --store refused/named.db \
      --trust-root ceremony/trust-root-v1.json --registration station/station-1.request.json \
      --allow-software-token --key "pkcs11:token=signer-hsm;object=evidence" --pin env:DEMO_PIN
    expect "a file named itself must still be a registration" test "$rc" -ne 0
    ;;
  program-refused-before-announcing)
    run "$station" logout "${line1[@]}"
    device_on C6-000099
    run "$station" program "${line1[@]}" --serial SN-0099 --device sim:devices/t.sock --bundle sensor-c6
    expect "program without a session exits 1" test "$rc" -eq 1
    expect "it says no operator is logged in" has "$err" "no operator is logged in"
    expect "it never announced programming the unit" test "$(grep -c 'programming SN-0099' <<<"$err")" -eq 0
    ;;
  device-certificate-pem-openssl)
    # A unit's identity certificate leaves as PEM with its chain: openssl accepts it under
    # the manufacturing CA alone, and refuses it tampered or without the device CA.
    manifest=$(ls evidence/manifests/SN-0001.*.manifest.json | head -1)
    run "$verify" device "$manifest" "${trust[@]}" --pem-out certs
    expect "device --pem-out exits 0" test "$rc" -eq 0
    for f in certs/SN-0001.pem certs/SN-0001.chain.pem certs/station-1.device-ca.pem certs/manufacturing-ca.pem; do
      expect "$f written" test -s "$f"
    done
    expect "the chain holds three certificates" \
      test "$(grep -c 'BEGIN CERTIFICATE' certs/SN-0001.chain.pem)" -eq 3
    run openssl verify -x509_strict -CAfile certs/manufacturing-ca.pem \
      -untrusted certs/station-1.device-ca.pem certs/SN-0001.pem
    expect "openssl verify -x509_strict accepts the unit's certificate: $out $err" test "$rc" -eq 0
    run openssl verify -x509_strict -CAfile certs/manufacturing-ca.pem certs/SN-0001.pem
    expect "without the device CA openssl cannot build the chain" test "$rc" -ne 0
    # One byte of the signature inverted: no longer issued by the device CA. (Set to 0x00
    # instead, it left the certificate as it was whenever that byte was 0x00 already, one
    # demo in 256, and openssl rightly accepted it.)
    openssl x509 -in certs/SN-0001.pem -outform DER -out certs/unit.der
    size=$(stat -c %s certs/unit.der)
    byte=$(od -An -tu1 -j $((size - 2)) -N 1 certs/unit.der)
    printf '%b' "\\x$(printf %02x $((byte ^ 0xff)))" |
      dd of=certs/unit.der bs=1 seek=$((size - 2)) conv=notrunc status=none
    openssl x509 -inform DER -in certs/unit.der -out certs/tampered.pem
    run cmp -s certs/SN-0001.pem certs/tampered.pem
    expect "the tampered certificate differs from the unit's" test "$rc" -ne 0
    run openssl verify -x509_strict -CAfile certs/manufacturing-ca.pem \
      -untrusted certs/station-1.device-ca.pem certs/tampered.pem
    expect "openssl refuses a tampered certificate" test "$rc" -ne 0
    # A certificate another CA issued (self-signed here) is refused the same way.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout certs/k.pem \
      -subj /CN=SN-0001 -days 1 -out certs/forged.pem 2>/dev/null
    run openssl verify -x509_strict -CAfile certs/manufacturing-ca.pem \
      -untrusted certs/station-1.device-ca.pem certs/forged.pem
    expect "openssl refuses a certificate not issued by the device CA" test "$rc" -ne 0
    ;;
  unit-inspect-never-bound)
    # The read-only inspection: a device in none of the manifests fails the binding (exit 1).
    device_on C6-0000EE
    run "$verify" unit --device sim:devices/t.sock --manifests evidence/manifests \
      --bundle release/sensor-c6-1.0.0.promoted.bundle "${trust[@]}" --serial SN-0001
    expect "verify unit on a never-bound device exits 1" test "$rc" -eq 1
    expect "it names the binding check" has "$out" "FAIL    binding: hardware id C6-0000EE is bound to no serial"
    run "$verify" --json unit --device sim:devices/t.sock --manifests evidence/manifests \
      --bundle release/sensor-c6-1.0.0.promoted.bundle "${trust[@]}"
    expect "--json exits 1 too" test "$rc" -eq 1
    expect "--json prints a UnitInspection" has "$out" '"hardwareId": "C6-0000EE"'
    cp "$(ls evidence/manifests/SN-0001.*.manifest.json | head -1)" refused/bad.manifest.json
    sed -i 's/"manifest": "C/"manifest": "A/' refused/bad.manifest.json
    run "$verify" unit --device sim:devices/t.sock --manifests refused/bad.manifest.json \
      --bundle release/sensor-c6-1.0.0.promoted.bundle "${trust[@]}"
    expect "a tampered manifest refuses the inspection (exit 1)" test "$rc" -eq 1
    expect "it names the file" has "$err" "refused/bad.manifest.json"
    ;;
  *) echo "unknown case $case" >&2; exit 2 ;;
esac
((failures == 0))

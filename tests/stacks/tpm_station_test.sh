#!/usr/bin/env bash
# A station whose keys live in a TPM: swtpm + tpm2-abrmd on a private bus + tpm2-pkcs11
# (tests/stacks/tpm_stack.sh), on a scratch copy of the demo's output (the ctest fixture
# `demo_output`: trust root, custodian cards, releases, staff cards on SoftHSM).
#
# Usage: tpm_station_test.sh --demo DEMO_OUT --bin-dir DIR CASE
#   enroll-program-export  the station key and the device-CA key are generated in the TPM;
#                          the request, the registration and the evidence name the
#                          tpm2-pkcs11 profile and the TPM; units are programmed, the
#                          journal exported, countersigned and verified; prints the
#                          time a unit takes
#   imported-key-refused   a station key imported into the TPM (tpm2_ptool import: reported
#                          extractable, not local) is refused at enrollment, naming the key
# Exits 77 (skipped) only when a package of the stack is missing; every service it starts
# is stopped on every exit path.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/tpm_stack.sh"

source "$here/../support/demo_copy.sh"
demo_copy_args "$@"
tpm_stack_require
demo_copy_on_exit() { tpm_stack_stop; }
demo_copy_enter tpm
station=$work/bin/hallmark-station  # the demo's wrapper: a simulated NTP-disciplined clock
anchor=$(<ceremony/anchor.sha256)
trust=(--trust-root ceremony/trust-root-v1.json)
vtrust=(--trust-root ceremony/trust-root-v1.json --pin-digest "$anchor")
pins=(--pin alice=env:DEMO_PIN --pin bob=env:DEMO_PIN --pin carol=env:DEMO_PIN
      --signer-pin env:DEMO_PIN)

# run, expect, must, has, count (and the failures count)
source "$(dirname "${BASH_SOURCE[0]}")/../support/shell_checks.sh"
device_on() {  # device_on HARDWARE-ID: a simulated ESP32-C6 on devices/t.sock
  mkdir -p devices && rm -f devices/t.sock
  "$devsim" --socket devices/t.sock --hardware-id "$1" --family ESP32-C6 --flash-size 4194304 \
    < /dev/null > /dev/null 2>&1 &
  device_pid=$!
  for _ in $(seq 100); do [[ -S devices/t.sock ]] && return; sleep 0.05; done
  echo "device did not start" >&2; exit 2
}

# The TPM, its tpm2-pkcs11 store and one token "station-tpm". tpm2_ptool takes its PINs in
# argv only: throwaway PINs of a throwaway TPM, never a pattern for a real station.
tpm_stack_start "$work/tpm" || exit 2
umask 077
printf 'tpm-user-pin\n' > "$work/tpm.pin"
must "tpm2_ptool makes the store and the token station-tpm" \
  sh -c 'tpm2_ptool init && tpm2_ptool addtoken --pid=1 --sopin=tpm-so-pin-1 --userpin=tpm-user-pin --label=station-tpm'
tpm=(--allow-software-token --token "pkcs11:token=station-tpm" --profile tpm2-pkcs11 --pin "file:$work/tpm.pin")
line=("${tpm[@]}" --state station-tpm)
mkdir -p station-tpm
printf 'allowed_skus: "sensor-c6"\n' > station-tpm/policy.textproto

case $case in
  enroll-program-export)
    run pkcs11-tool --module "$tpm_stack_module" -L
    expect "pkcs11-tool lists the TPM token" has "$out" "station-tpm"

    must "the station enrolls with both keys generated in the TPM" \
      "$station" enroll "${tpm[@]}" --station-id station-tpm --config station-tpm/policy.textproto \
      --out station/station-tpm.request.json
    expect "enroll names the TPM token and its profile" has "$out" "profile tpm2-pkcs11"
    expect "both keys were generated on the token" \
      test "$(grep -c 'generated on the token' <<<"$out")" -eq 2
    must "a root quorum registers it (bob, carol on their cards)" \
      "$ceremony" enroll-station --plan ceremony/plan.textproto "${trust[@]}" \
      --request station/station-tpm.request.json --out station/station-tpm.registration.json \
      "${pins[@]}" --present bob,carol
    expect "the custodians were shown the TPM profile" has "$out$err" "profile tpm2-pkcs11"
    run "$verify" registration station/station-tpm.registration.json "${vtrust[@]}"
    expect "the registration verifies" test "$rc" -eq 0
    expect "the registration names the TPM (swtpm says IBM SW TPM) and the profile" \
      has "$out" "station-tpm (IBM SW   TPM), profile tpm2-pkcs11"

    must "install-registration on the TPM token" \
      "$station" install-registration --registration station/station-tpm.registration.json \
      "${trust[@]}" --station-id station-tpm --state station-tpm "${tpm[@]:1}"  # takes no --allow-software-token
    bundle=$(ls release/*sensor-c6*.promoted.bundle 2> /dev/null | head -n 1)
    [[ -z $bundle ]] && bundle=$(ls release/*.promoted.bundle | head -n 1)
    must "intake of a promoted release" "$station" intake "$bundle" --state station-tpm
    sed 's/stations: "station-1"/stations: "station-1" stations: "station-tpm"/' \
      people/roster.textproto > people/roster-tpm.textproto
    must "roster v2 puts olga at station-tpm too" \
      "$ceremony" roster --plan ceremony/plan.textproto "${trust[@]}" \
      --spec people/roster-tpm.textproto --previous people/roster-v1.json \
      --reason "station-tpm joins the line" --out people/roster-v2.json "${pins[@]}" \
      --present alice,bob
    must "the TPM station installs the roster" "$station" install-roster "${line[@]}" people/roster-v2.json
    must "olga logs in with her card" \
      "$station" login "${line[@]}" --card "pkcs11:token=person-olga" --card-pin env:DEMO_PIN

    units=4 start=$(date +%s%N)
    for n in $(seq 1 $units); do
      device_on "C6-00007$n"
      run "$station" program "${line[@]}" --serial "SN-700$n" --device sim:devices/t.sock --bundle sensor-c6
      device_off
      expect "unit SN-700$n programmed and PASS, signed by the TPM station key" has "$out" "PASS"
    done
    per_unit_ms=$(( ($(date +%s%N) - start) / 1000000 / units ))
    echo "info: $per_unit_ms ms a unit through the TPM station (devsim device, TPM signatures)"

    must "the journal is exported with a checkpoint signed in the TPM" \
      "$station" export "${tpm[@]}" --state station-tpm --out station/station-tpm.export.pb
    must "the station key's public key is read from the TPM" \
      "$ceremony" key show --key "pkcs11:token=station-tpm;object=station" --profile tpm2-pkcs11 \
      --pin "file:$work/tpm.pin" --public-out keys/station-tpm.pem
    expect "the TPM key is fit for production use" has "$out" "production use: allowed"
    run "$verify" journal station/station-tpm.export.pb --station-key keys/station-tpm.pem
    expect "hallmark-verify accepts the TPM-signed journal" test "$rc" -eq 0

    run "$signer" countersign station/station-tpm.export.pb --store evidence/evidence.db "${trust[@]}" \
      --registration station/station-tpm.registration.json --roster people/roster-v2.json \
      --release "$bundle" --allow-software-token --key "pkcs11:token=signer-hsm;object=evidence" --pin env:DEMO_PIN \
      --manifests evidence/manifests-tpm
    expect "the signer countersigns the TPM station's export" test "$rc" -eq 0
    manifest=$(ls evidence/manifests-tpm/*.manifest.json 2> /dev/null | head -n 1)
    run "$verify" manifest "${manifest:-missing}" "${vtrust[@]}"
    expect "a unit's manifest verifies with the trust root alone" test "$rc" -eq 0
    expect "the unit's evidence names the TPM station's token and profile" \
      has "$out" "profile tpm2-pkcs11"

    ;;
  imported-key-refused)
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/outside.pem" 2> /dev/null
    must "a station key made outside the TPM is imported into it" \
      tpm2_ptool import --label=station-tpm --key-label=station --id=73 --userpin=tpm-user-pin \
      --privkey="$work/outside.pem" --algorithm=ecc
    run "$station" enroll "${tpm[@]}" --station-id station-tpm --out station/station-tpm.request.json
    expect "enrollment with an imported station key is refused (exit 1)" test "$rc" -eq 1
    expect "the refusal names the key and the TPM token" has "$err" "key 'station' on token 'station-tpm'"
    expect "and says why: tpm2-pkcs11 reports the imported key as once extractable" \
      has "$err" "its private key may exist outside the token"
    expect "no request is written" test ! -e station/station-tpm.request.json
    ;;
  *) echo "unknown case $case" >&2; exit 2 ;;
esac

((failures == 0)) || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"

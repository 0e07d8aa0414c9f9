#!/usr/bin/env bash
# "The profile is never silently SoftHSM" at the command line, on a scratch copy of the
# demo's output (the ctest fixture `demo_output`, whose tokens are SoftHSM): every command
# that signs with a production role key refuses a software token without
# --allow-software-token (exit 1, naming the token, its family and the flag, every file as
# it was), and with it records the token as software where an auditor reads it. A profile
# named for a token it does not match is refused (exit 2). One case per process.
#
# Usage: software_token_test.sh --demo DEMO_OUT --bin-dir DIR CASE
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../support/demo_copy.sh"
demo_copy_args "$@"
demo_copy_enter software-token
trust=(--trust-root ceremony/trust-root-v1.json)
softhsm_module=$(awk -F'"' '/module_paths/ {print $2; exit}' \
  "$here/../../hsm-profiles/profiles/softhsm2.textproto")

source "$here/../support/shell_checks.sh"
snapshot() {
  find . -type f ! -path './tokens/*' ! -name '.err' ! -path './devices/*' -print0 |
    sort -z | xargs -0 sha256sum
}
device_on() {  # device_on HARDWARE-ID: a simulated ESP32-C6 on devices/t.sock
  device_off
  mkdir -p devices && rm -f devices/t.sock
  "$devsim" --socket devices/t.sock --hardware-id "$1" --family ESP32-C6 \
    --flash-size 4194304 < /dev/null > /dev/null 2>&1 &
  device_pid=$!
  for _ in $(seq 100); do [[ -S devices/t.sock ]] && return; sleep 0.05; done
  echo "device did not start" >&2; exit 2
}
# refused TOKEN COMMAND...: without the flag, exit 1 naming TOKEN, softhsm2 and the flag,
# and no file changed. The commands name --profile softhsm2: a profile named is no way in.
# (With no profile and no module the command stops earlier, exit 2, naming the flag.)
refused() {
  local token=$1; shift
  local before; before=$(snapshot)
  run "$@"
  expect "$2 $3: exit 1 without the flag" test "$rc" -eq 1
  expect "$2 $3: names token '$token'" has "$err" "token '$token' is a software token"
  expect "$2 $3: names the family" has "$err" "softhsm2 family"
  expect "$2 $3: names the flag" has "$err" "--allow-software-token"
  local after; after=$(snapshot)
  expect "$2 $3: every file as it was" test "$before" == "$after"
}
new_release() {  # bundle 1.0.7 of sensor-c6, approved by alice and bob
  sed 's/version: "1.0.0"/version: "1.0.7"/; s/security_counter: 1/security_counter: 2/' \
    firmware/sensor-c6.textproto > firmware/sensor-c6-1.0.7.textproto
  must "setup: bundle create" "$signer" bundle create --spec firmware/sensor-c6-1.0.7.textproto \
    --catalog firmware/catalog.textproto --out release/sensor-c6-1.0.7.bundle
  for who in alice bob; do
    must "setup: $who approves" "$ceremony" approve release/sensor-c6-1.0.7.bundle \
      --plan ceremony/plan.textproto "${trust[@]}" --custodian "$who" --channel production \
      --request-id REL-101 --history release/history \
      --out "release/sensor-c6-1.0.7.approval-$who.json" --pin "$who=env:DEMO_PIN"
  done
}

case $case in
  promote)
    new_release
    promote=("$signer" promote release/sensor-c6-1.0.7.bundle
      --approval release/sensor-c6-1.0.7.approval-alice.json
      --approval release/sensor-c6-1.0.7.approval-bob.json "${trust[@]}"
      --key "pkcs11:token=signer-hsm;object=release" --pin env:DEMO_PIN
      --history release/history --channel production --out release/sensor-c6-1.0.7.promoted.bundle)
    refused signer-hsm "${promote[@]}" --profile softhsm2
    run "${promote[@]}"
    expect "promote with no profile, no module: exit 2" test "$rc" -eq 2
    expect "it says to name a profile or give the flag" has "$err" "no HSM profile named"
    expect "it names the flag" has "$err" "--allow-software-token"
    # A hardware profile named for the SoftHSM module and token: a mismatch, whatever flag.
    run "${promote[@]}" --allow-software-token --profile yubihsm2 --module "$softhsm_module"
    expect "promote --profile yubihsm2 on SoftHSM: exit 2" test "$rc" -eq 2
    expect "the mismatch names both profiles" has "$err" "as profile softhsm2, not 'yubihsm2'"
    expect "the mismatch names the token" has "$err" "token 'signer-hsm'"
    must "promote with --allow-software-token" "${promote[@]}" --allow-software-token
    run "$verify" bundle release/sensor-c6-1.0.7.promoted.bundle "${trust[@]}" \
      --pin-digest "$(<ceremony/anchor.sha256)"
    expect "verify bundle: exit 0" test "$rc" -eq 0
    expect "verify bundle shows the software token" \
      has "$out" "SOFTWARE TOKEN, allowed by --allow-software-token"
    expect "verify bundle shows the profile" has "$out" "profile softhsm2"
    ;;
  countersign)
    device_on C6-000301
    line=(--allow-software-token --token pkcs11:token=station-1 --pin env:DEMO_PIN --state station-1)
    must "setup: program SN-0301" "$station" program "${line[@]}" --serial SN-0301 \
      --device sim:devices/t.sock --bundle sensor-c6
    device_off
    must "setup: export" "$station" export "${line[@]}" --out station/station-1.day2.export.pb
    refused signer-hsm "$signer" countersign station/station-1.day2.export.pb \
      --store evidence/evidence.db "${trust[@]}" --registration station \
      --roster people/roster-v1.json --release release/sensor-c6-1.0.0.promoted.bundle \
      --key "pkcs11:token=signer-hsm;object=evidence" --pin env:DEMO_PIN \
      --manifests evidence/manifests --profile softhsm2
    refused signer-hsm "$signer" sign --key "pkcs11:token=signer-hsm;object=release" \
      --pin env:DEMO_PIN --payload firmware/catalog.textproto \
      --payload-type application/octet-stream --out refused/signed.json --profile softhsm2
    ;;
  station)
    line=(--token pkcs11:token=station-1 --profile softhsm2 --pin env:DEMO_PIN --state station-1)
    device_on C6-000311
    refused station-1 "$station" program "${line[@]}" --serial SN-0311 \
      --device sim:devices/t.sock --bundle sensor-c6
    device_off
    refused station-1 "$station" export "${line[@]}" --out station/station-1.day2.export.pb
    refused station-1 "$station" status "${line[@]}"
    refused station-1 "$station" enroll --token pkcs11:token=station-1 --profile softhsm2 \
      --pin env:DEMO_PIN \
      --station-id station-1 --out refused/station-1.request.json
    refused station-1 "$station" login "${line[@]}" --card pkcs11:token=person-sam \
      --card-pin env:DEMO_PIN
    must "setup: a blank card" "$ceremony" token init --label person-nina \
      --so-pin env:DEMO_SO_PIN --pin env:DEMO_PIN
    refused person-nina "$station" card init --card pkcs11:token=person-nina \
      --card-pin env:DEMO_PIN --card-profile softhsm2 --public-key-out refused/nina.pub.pem
    run "$verify" registration station/station-1.registration.json "${trust[@]}" \
      --pin-digest "$(<ceremony/anchor.sha256)"
    expect "verify registration: exit 0" test "$rc" -eq 0
    expect "verify registration shows the software token" \
      has "$out" "SOFTWARE TOKEN, allowed by --allow-software-token"
    ;;
  ceremony)
    # The demo's plan with alice's card no longer allowed to be a software token.
    awk '/name: "alice"/ {a = 1} a && /allow_software_token/ {a = 0; next} {print}' \
      ceremony/plan.textproto > refused/plan-no-software.textproto
    expect "setup: alice's allow_software_token removed" \
      test "$(grep -c allow_software_token refused/plan-no-software.textproto)" -eq \
        "$(( $(grep -c allow_software_token ceremony/plan.textproto) - 1 ))"
    new_release
    run "$ceremony" approve release/sensor-c6-1.0.7.bundle --plan refused/plan-no-software.textproto \
      "${trust[@]}" --custodian alice --channel production --request-id REL-102 \
      --history release/history --out refused/approval-alice.json --pin alice=env:DEMO_PIN
    expect "approve on a plan without alice's allow: exit 1" test "$rc" -eq 1
    expect "names alice's card" has "$err" "token 'custodian-alice' is a software token"
    expect "names the flag" has "$err" "--allow-software-token"
    expect "no approval written" test ! -e refused/approval-alice.json
    run "$verify" transcript ceremony/trust-root-v1.transcript.json "${trust[@]}" \
      --pin-digest "$(<ceremony/anchor.sha256)"
    expect "verify transcript: exit 0" test "$rc" -eq 0
    expect "verify transcript shows the software tokens" \
      test "$(count "$out" "SOFTWARE TOKEN, allowed by --allow-software-token")" -ge 4
    ;;
  *) echo "unknown case $case" >&2; exit 2 ;;
esac
((failures == 0)) || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"

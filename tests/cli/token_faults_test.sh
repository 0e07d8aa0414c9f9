#!/usr/bin/env bash
# Token faults on purpose: every signing command run on a scratch copy of the demo's output
# (the ctest fixture `demo_output`) through the test-only module
# tests/support/fault_pkcs11/fault_pkcs11.cpp, which forwards to SoftHSM and injects one
# fault at the N-th call of a function. For each fault the command must exit with the
# documented code (docs/design.md §8: 3, token error), name the token and the key, and leave
# every file and store as it was; then the same command runs on a slow token and succeeds,
# which shows the command line was right and that a failed run left nothing in the way.
#
# Usage: token_faults_test.sh --demo DEMO_OUT --bin-dir DIR --fault-module SO CASE
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../support/demo_copy.sh"
demo_copy_args "$@"
[[ -n $fault_module ]] || { echo "usage: $0 --demo DIR --bin-dir DIR --fault-module SO CASE" >&2; exit 2; }
unset HALLMARK_FAULT HALLMARK_FAULT_TRACE
demo_copy_enter faults
fm=(--module "$fault_module")
trust=(--trust-root ceremony/trust-root-v1.json)
mkdir -p faults

# run, expect, must, has, count (and the failures count)
source "$(dirname "${BASH_SOURCE[0]}")/../support/shell_checks.sh"
# Every file but the token store and the scratch files; a ceremony's transcript of its own
# refusal (written whole, by design: docs/ceremonies.md) when $transcripts is set.
transcripts=""
snapshot() {
  find . -type f ! -path './tokens/*' ! -name '.err' ! -path './devices/*' \
    ${transcripts:+! -path "$transcripts"} -print0 | sort -z | xargs -0 sha256sum
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

# What each fault must say, beyond the token's label.
declare -A says=(
  [removed]="the token was removed: insert it and retry"
  [not-present]="the token was removed: insert it and retry"
  [session-invalid]="CKR_SESSION_HANDLE_INVALID"
  [device-error]="the token reported a hardware fault and did not finish"
  [pin-locked]="locked: ask the security officer to unblock it"
  [final-try]="final try: one more wrong PIN locks it"
  [bad-signature]="does not verify under its public key"
)
# faulted TOKEN KEY SPEC COMMAND...: COMMAND with HALLMARK_FAULT=SPEC must exit 3 naming
# TOKEN (and KEY when the fault is in signing) and change no file.
faulted() {
  local token=$1 key=$2 spec=$3; shift 3
  local kind=${spec#*:*:}; kind=${kind%%:*}
  local before; before=$(snapshot)
  [[ -n ${before_hook:-} ]] && $before_hook
  HALLMARK_FAULT=$spec run "$@"
  expect "$spec: exit 3 (token error)" test "$rc" -eq 3
  expect "$spec: names token '$token'" has "$err" "token '$token"
  if [[ $spec == C_Sign* && -n $key ]]; then expect "$spec: names key '$key'" has "$err" "key '$key'"; fi
  expect "$spec: says '${says[$kind]}'" has "$err" "${says[$kind]}"
  expect "$spec: the PIN is never shown" test "$(grep -c "$DEMO_PIN" <<<"$err$out")" -eq 0
  local after; after=$(snapshot)
  if [[ -n ${recorded:-} ]]; then
    # The station recorded the unit as failed (a whole, signed record) and said why.
    expect "$spec: the unit is recorded as failed" has "$err" "recorded as failed"
    expect "$spec: only the station's state changed" \
      test -z "$(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | grep -v ' ./station-1/')"
  elif [[ "$before" == "$after" ]]; then echo "ok   $spec: every file as it was"; else
    echo "FAIL $spec: files changed:"; diff <(echo "$before") <(echo "$after") | sed 's/^/     /' | head
    failures=$((failures + 1))
  fi
}
# slow SPEC COMMAND...: the command succeeds on a token that takes its time.
slow() {
  local spec=$1; shift
  local start=$SECONDS
  HALLMARK_FAULT=$spec run "$@"
  expect "$spec (slow token): exit 0" test "$rc" -eq 0
}
signing_faults=(C_Sign:1:removed C_SignInit:1:session-invalid C_Sign:1:device-error
                C_Sign:1:bad-signature C_Login:1:pin-locked C_Login:1:final-try
                C_FindObjectsInit:2:not-present)

case $case in
  promote)
    # A new release, approved by alice and bob without faults; the release key then fails.
    sed 's/version: "1.0.0"/version: "1.0.7"/; s/security_counter: 1/security_counter: 2/' \
      firmware/sensor-c6.textproto > firmware/sensor-c6-1.0.7.textproto
    run "$signer" bundle create --spec firmware/sensor-c6-1.0.7.textproto \
      --catalog firmware/catalog.textproto --out release/sensor-c6-1.0.7.bundle
    expect "setup: bundle create" test "$rc" -eq 0
    for who in alice bob; do
      run "$ceremony" approve release/sensor-c6-1.0.7.bundle --plan ceremony/plan.textproto \
        "${trust[@]}" --custodian "$who" --channel production --request-id REL-101 \
        --history release/history --out "release/sensor-c6-1.0.7.approval-$who.json" \
        --pin "$who=env:DEMO_PIN"
      expect "setup: $who approves" test "$rc" -eq 0
    done
    promote=("$signer" promote release/sensor-c6-1.0.7.bundle
      --approval release/sensor-c6-1.0.7.approval-alice.json
      --approval release/sensor-c6-1.0.7.approval-bob.json "${trust[@]}"
      --allow-software-token --key "pkcs11:token=signer-hsm;object=release" "${fm[@]}" --pin env:DEMO_PIN
      --history release/history --channel production --out release/sensor-c6-1.0.7.promoted.bundle)
    for spec in "${signing_faults[@]}" C_Sign:2:removed C_Sign:2:bad-signature; do
      faulted signer-hsm release "$spec" "${promote[@]}"
    done
    slow C_Sign:1:slow:300 "${promote[@]}"
    expect "then promoted" test -s release/sensor-c6-1.0.7.promoted.bundle
    ;;
  approve)
    sed 's/version: "1.0.0"/version: "1.0.7"/; s/security_counter: 1/security_counter: 2/' \
      firmware/sensor-c6.textproto > firmware/sensor-c6-1.0.7.textproto
    run "$signer" bundle create --spec firmware/sensor-c6-1.0.7.textproto \
      --catalog firmware/catalog.textproto --out release/sensor-c6-1.0.7.bundle
    expect "setup: bundle create" test "$rc" -eq 0
    # The plan with every card reached through the fault module. A refused approval writes
    # its transcript (and nothing else): it must record the fault.
    transcripts="./faults/approval-alice.transcript*.json"
    sed "s|^\(\s*card_uri: .*\)$|\1\n  module: \"$fault_module\"|" ceremony/plan.textproto \
      > faults/plan.textproto
    approve=("$ceremony" approve release/sensor-c6-1.0.7.bundle --plan faults/plan.textproto
      "${trust[@]}" --custodian alice --channel production --request-id REL-101
      --history release/history --out faults/approval-alice.json --pin alice=env:DEMO_PIN)
    for spec in "${signing_faults[@]}"; do
      faulted custodian-alice custodian "$spec" "${approve[@]}"
    done
    slow C_Sign:1:slow:300 "${approve[@]}"
    expect "then approved" test -s faults/approval-alice.json
    ;;
  countersign)
    # A new unit on station-1 and a new export: the evidence key then fails to countersign.
    device_on C6-000201
    run "$station" program --allow-software-token --token pkcs11:token=station-1 --pin env:DEMO_PIN --state station-1 \
      --serial SN-0201 --device sim:devices/t.sock --bundle sensor-c6
    expect "setup: program SN-0201" test "$rc" -eq 0
    device_off
    run "$station" export --allow-software-token --token pkcs11:token=station-1 --pin env:DEMO_PIN --state station-1 \
      --out station/station-1.day2.export.pb
    expect "setup: export" test "$rc" -eq 0
    countersign=("$signer" countersign station/station-1.day2.export.pb
      --store evidence/evidence.db "${trust[@]}" --registration station
      --roster people/roster-v1.json --release release/sensor-c6-1.0.0.promoted.bundle
      --allow-software-token --key "pkcs11:token=signer-hsm;object=evidence" "${fm[@]}" --pin env:DEMO_PIN
      --manifests evidence/manifests)
    for spec in "${signing_faults[@]}"; do
      faulted signer-hsm evidence "$spec" "${countersign[@]}"
    done
    slow C_Sign:1:slow:300 "${countersign[@]}"
    expect "then countersigned" has "$out" "1 signature for the batch"
    ;;
  station-program)
    # The device-CA key signs the device certificate (the first C_Sign, mid-plan); the
    # station key signs the journal record (the last). A device-CA fault is recorded as a
    # failed unit (a whole record, exit 3 naming the token and key); a station-key fault
    # leaves the journal as it was: nothing can be recorded without that key.
    n=210
    for spec in "${signing_faults[@]}" C_Sign:2:removed C_Sign:2:bad-signature C_Sign:2:device-error; do
      n=$((n + 1))
      device_on "C6-000$n"
      program=("$station" program --allow-software-token --token pkcs11:token=station-1 "${fm[@]}" --pin env:DEMO_PIN
        --state station-1 --serial "SN-0$n" --device sim:devices/t.sock --bundle sensor-c6)
      key=station recorded=""
      case $spec in
        C_Sign:1:device-error|C_SignInit:1:*|C_Sign:1:bad-signature) key=device-ca recorded=1 ;;
      esac
      faulted station-1 "$key" "$spec" "${program[@]}"
      expect "$spec: the unit is not reported as programmed" test "$(grep -c 'result       PASS' <<<"$out")" -eq 0
    done
    recorded=""
    device_on C6-000299
    slow C_Sign:1:slow:300 "$station" program --allow-software-token --token pkcs11:token=station-1 "${fm[@]}" \
      --pin env:DEMO_PIN --state station-1 --serial SN-0299 --device sim:devices/t.sock --bundle sensor-c6
    expect "then programmed" has "$out" "result       PASS"
    ;;
  station-export)
    export_cmd=("$station" export --allow-software-token --token pkcs11:token=station-1 "${fm[@]}" --pin env:DEMO_PIN
      --state station-1 --out station/station-1.again.export.pb)
    for spec in "${signing_faults[@]}"; do
      faulted station-1 station "$spec" "${export_cmd[@]}"
    done
    slow C_Sign:1:slow:300 "${export_cmd[@]}"
    expect "then exported" test -s station/station-1.again.export.pb
    ;;
  ceremony-init)
    # An init ceremony on fresh cards and a fresh signer HSM for each fault (a fault after
    # the signer's keys were made leaves them on it, and a ceremony never adopts a key of
    # unknown origin). A refused ceremony writes its transcript and nothing else.
    transcripts="./faults/init/trust-root-v1.transcript*.json"
    n=0
    for spec in "${signing_faults[@]}" C_Sign:2:removed ""; do
      n=$((n + 1))
      for who in alice bob carol signer; do
        run "$ceremony" token init --label "f$n-$who" --so-pin env:DEMO_SO_PIN --pin env:DEMO_PIN
        expect "setup: token f$n-$who" test "$rc" -eq 0
      done
      sed "s|custodian-\([a-z]*\)\"|f$n-\1\"|; s|token=signer-hsm\"|token=f$n-signer\"|
           s|^\(\s*card_uri: .*\)$|\1\n  module: \"$fault_module\"|
           s|^\(\s*uri: \"pkcs11:token=f$n-signer\"\)$|\1\n  module: \"$fault_module\"|" \
        ceremony/plan.textproto > faults/plan.textproto
      init=("$ceremony" init --plan faults/plan.textproto --out-dir faults/init
        --pin alice=env:DEMO_PIN --pin bob=env:DEMO_PIN --pin carol=env:DEMO_PIN
        --signer-pin env:DEMO_PIN --present alice,bob)
      if [[ -z $spec ]]; then
        slow C_Sign:1:slow:300 "${init[@]}"
        expect "then the trust root is made" test -s faults/init/trust-root-v1.json
        break
      fi
      # The first signature is the manufacturing CA's self-signed certificate, on the signer.
      token=f$n-signer key=manufacturing-ca
      case $spec in
        C_Login:*) token=f$n-alice ;;
        C_FindObjectsInit:*) token=f$n- ;;  # whichever token the ceremony reads next
        C_Sign:2:*) token=f$n- key=custodian ;;  # a custodian signing the trust root
      esac
      faulted "$token" "$key" "$spec" "${init[@]}"
      expect "$spec: no trust root written" test ! -e faults/init/trust-root-v1.json
    done
    ;;
  *) echo "unknown case $case" >&2; exit 2 ;;
esac
((failures == 0))

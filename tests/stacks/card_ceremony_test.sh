#!/usr/bin/env bash
# Custodians with smart cards through OpenSC: alice and bob hold CAC cards (libcacard over
# an NSS database, in vpcd readers of a private pcscd: tests/stacks/card_stack.sh) reached
# through opensc-pkcs11.so with the opensc-cac profile; carol and the signer HSM are
# SoftHSM tokens. Firmware and SKU specs come from a copy of the demo's output (the ctest
# fixture `demo_output`).
#
# Usage: card_ceremony_test.sh --demo DEMO_OUT --bin-dir DIR --card-bin FILE CASE
#   init-approve-rotate       pkcs11-tool lists the cards in real readers; the init
#                             ceremony, two approvals and a promotion, and a rotation run
#                             with alice's and bob's cards; every transcript records their
#                             keys as imported, accepted by the plan and the profile
#   imported-key-needs-plan   a card key (which the card family cannot have generated) is
#                             refused at init when the plan does not allow it for that
#                             custodian, naming the key, the profile and the fix; nothing
#                             is written
# Exits 77 (skipped) only when a package of the stack is missing; every service it starts
# is stopped on every exit path.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/card_stack.sh"

args=("$@")
source "$here/../support/demo_copy.sh"
demo_copy_args "$@"
[[ -n $card_bin ]] || { echo "usage: $0 --demo DIR --bin-dir DIR --card-bin FILE CASE" >&2; exit 2; }
card_stack_require
[[ -x $card_bin ]] || {
  echo "SKIP: $card_bin was not built: it needs the Debian package libcacard-dev (scripts/install-deps.sh installs it)"
  exit 77; }
card_stack_enter "$here/card_ceremony_test.sh" "${args[@]}"
# Not a copy of the demo: its own tokens and cards; only the firmware is taken from $demo.
demo_copy_on_exit() { card_stack_stop; }
demo_work_enter card

# run, expect, must, has, count (and the failures count)
source "$(dirname "${BASH_SOURCE[0]}")/../support/shell_checks.sh"

# Throwaway PINs for throwaway tokens, by environment variable name, never in argv (the
# NSS tool below takes its password from a file).
export CARD_PIN="card1234" TEST_PIN="user-pin-1" TEST_SO_PIN="so-pin-123"
umask 077

# The cards: two RSA-3072 keys and self-signed certificates made by NSS (so: made outside
# any card, which is what a CAC issuer does too), one card per certificate.
mkdir -p card/nss
printf '%s\n' "$CARD_PIN" > card/pw
head -c 64 /dev/urandom > card/noise
certutil -N -d sql:card/nss -f card/pw || exit 2
for who in alice bob; do
  certutil -S -d sql:card/nss -f card/pw -z card/noise -n "$who" -s "CN=custodian $who" -x \
    -t ",," -k rsa -g 3072 -Z SHA256 --keyUsage digitalSignature > /dev/null 2>&1 || {
    echo "certutil could not make $who's key" >&2; exit 2; }
done
port=$((20000 + 2 * (RANDOM % 4000)))
card_stack_start "$work/card" "$card_bin" "$port" alice bob || exit 2

# SoftHSM: carol's card and the signer HSM.
mkdir -p tokens
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
  "$work/tokens" > softhsm2.conf
export SOFTHSM2_CONF="$work/softhsm2.conf"
for label in custodian-carol signer-hsm; do
  must "SoftHSM token $label" "$ceremony" token init --label "$label" --so-pin env:TEST_SO_PIN \
    --pin env:TEST_PIN
done

write_plan() {  # write_plan FILE ALLOW_BOB
  cat > "$1" <<PLAN
custodians {
  name: "alice"
  card_uri: "pkcs11:token=custodian%20alice"
  profile: "opensc-cac"
  key_label: "CAC ID Certificate"
  allow_imported_key: true
}
custodians {
  name: "bob"
  card_uri: "pkcs11:token=custodian%20bob"
  profile: "opensc-cac"
  key_label: "CAC ID Certificate"
  allow_imported_key: $2
}
custodians { name: "carol" card_uri: "pkcs11:token=custodian-carol" generate_if_missing: true allow_software_token: true }
root_threshold: 2
approver_threshold: 2
signer { uri: "pkcs11:token=signer-hsm" profile: "softhsm2" allow_software_token: true }
validity_days: 365
organisation: "Card Test Ltd"
PLAN
}
pins=(--pin alice=env:CARD_PIN --pin bob=env:CARD_PIN --pin carol=env:TEST_PIN
      --signer-pin env:TEST_PIN)
mkdir -p trust release/history

case $case in
  init-approve-rotate)
    run pkcs11-tool --module "$card_stack_module" -L
    expect "pkcs11-tool shows both cards in PC/SC readers (vpcd)" \
      test "$(count "$out" "Hallmark virtual card")" -ge 2
    expect "OpenSC's CAC driver reads them" has "$out" "Common Access Card"

    write_plan plan.textproto true
    must "init ceremony with alice's and bob's cards (carol absent)" \
      "$ceremony" init --plan plan.textproto --out-dir trust "${pins[@]}" --present alice,bob
    anchor=$(awk '/anchor digest:/ {print $3}' <<<"$out$err" | head -n 1)
    expect "the ceremony read out an anchor digest" test "${#anchor}" -eq 64
    vtrust=(--trust-root trust/trust-root-v1.json --pin-digest "$anchor")
    run "$verify" transcript trust/trust-root-v1.transcript.json "${vtrust[@]}"
    expect "the init transcript verifies" test "$rc" -eq 0
    # The imported-key entries of the transcript, each up to the next entry's heading.
    imported=$(awk '/^#[0-9]+ / {keep = index($0, "imported-key [ok]") > 0} keep' <<<"$out")
    expect "the transcript records alice's card key as imported, and why it was accepted" \
      has "$imported" "actor: alice"
    expect "the transcript records bob's card key as imported, and why it was accepted" \
      has "$imported" "actor: bob"
    expect "the imported-key steps name the profile and the plan's consent" \
      has "$imported" "imported key accepted: profile 'opensc-cac' allows imported keys"
    expect "carol's key, generated on her token, is not recorded as imported" \
      test "$(grep -c "actor: carol" <<<"$imported")" -eq 0

    # A release: the demo's firmware, requested by carol, approved by alice and bob on cards.
    cp -a "$demo/firmware" fw
    chmod -R u+w fw
    run "$ceremony" key show --key "pkcs11:token=custodian-carol;object=custodian" \
      --pin env:TEST_PIN
    carol=$(awk '/^key id/ {print $NF}' <<<"$out")
    sed -i "s/^requester: .*/requester: \"$carol\"/" fw/sensor-c6.textproto
    must "bundle create" "$signer" bundle create --spec fw/sensor-c6.textproto \
      --catalog fw/catalog.textproto --out release/sensor.bundle
    for who in alice bob; do
      must "$who approves with her/his card" "$ceremony" approve release/sensor.bundle \
        --plan plan.textproto --trust-root trust/trust-root-v1.json --custodian "$who" \
        --channel production --request-id REL-CARD --history release/history \
        --out "release/approval-$who.json" --pin "$who=env:CARD_PIN"
    done
    must "the release key promotes on the two card approvals" "$signer" promote release/sensor.bundle \
      --approval release/approval-alice.json --approval release/approval-bob.json \
      --trust-root trust/trust-root-v1.json --allow-software-token --key "pkcs11:token=signer-hsm;object=release" \
      --pin env:TEST_PIN --history release/history --channel production \
      --out release/sensor.promoted.bundle
    run "$verify" bundle release/sensor.promoted.bundle "${vtrust[@]}"
    expect "the promoted bundle verifies with the trust root alone" test "$rc" -eq 0

    # Rotation: v2 under the same custodians, its root quorum from the cards again.
    sed 's/validity_days: 365/validity_days: 400/' plan.textproto > plan-v2.textproto
    must "rotation to v2 signed with alice's and bob's cards" \
      "$ceremony" rotate --trust-root trust/trust-root-v1.json --plan plan-v2.textproto \
      --previous-plan plan.textproto --out-dir trust "${pins[@]}" --present alice,bob
    run "$verify" trust-root trust/trust-root-v1.json trust/trust-root-v2.json \
      --pin-digest "$anchor"
    expect "v2 verifies from the pinned v1" test "$rc" -eq 0
    run "$verify" transcript trust/trust-root-v2.transcript.json \
      --trust-root trust/trust-root-v1.json trust/trust-root-v2.json --pin-digest "$anchor"
    expect "the rotation transcript verifies and records the imported card keys" \
      has "$out" "imported key accepted: profile 'opensc-cac'"
    ;;
  imported-key-needs-plan)
    write_plan plan.textproto false
    run "$ceremony" init --plan plan.textproto --out-dir trust "${pins[@]}" --present alice,bob
    expect "init without the plan's consent for bob's card key exits 1" test "$rc" -eq 1
    expect "the refusal names bob, his key and the profile" \
      has "$err" "profile 'opensc-cac' cannot show where a key was made"
    expect "it says what the plan lacks" has "$err" "allow_imported_key: true"
    expect "it names bob" has "$err" "custodian bob"
    expect "no trust root is written" test ! -e trust/trust-root-v1.json
    ;;
  *) echo "unknown case $case" >&2; exit 2 ;;
esac

((failures == 0)) || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"

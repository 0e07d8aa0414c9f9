#!/usr/bin/env bash
# make demo: what Hallmark does today, on throwaway SoftHSM tokens, checking every outcome.
# Usage: scripts/demo.sh BUILD_DIR. Exits non-zero if any step does not behave as described.
set -euo pipefail

build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
out="${HALLMARK_DEMO_OUT:-$root/demo-out}"
ceremony="$build/ceremony/hallmark-ceremony"
signer="$build/signer/hallmark-signer"
verify="$build/verifier/hallmark-verify"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
expect_fail() {  # expect_fail CODE command...: the command must exit with CODE
  local want=$1; shift
  set +e; "$@"; local got=$?; set -e
  if [[ $got -ne $want ]]; then
    echo "demo: expected exit $want, got $got from: $*" >&2; exit 1
  fi
  echo "   (refused as expected, exit $got)"
}

rm -rf "$out"; mkdir -p "$out/tokens" "$out/keys"
cat > "$out/softhsm2.conf" <<CONF
directories.tokendir = $out/tokens
objectstore.backend = file
log.level = ERROR
CONF
export SOFTHSM2_CONF="$out/softhsm2.conf"
# Throwaway PINs for throwaway tokens, passed by environment variable name, never in argv.
export DEMO_SO_PIN="demo-so-pin" DEMO_PIN="demo-user-pin"
pin=(--pin env:DEMO_PIN)

step "1. Throwaway SoftHSM tokens: a signer HSM and two custodian cards"
for label in signer-hsm custodian-alice custodian-bob; do
  "$ceremony" token init --label "$label" --so-pin env:DEMO_SO_PIN --pin env:DEMO_PIN
done
"$ceremony" token status --token "pkcs11:token=custodian-alice"

step "2. Keys generated inside the tokens (never exportable), all four algorithms"
"$ceremony" key generate --token "pkcs11:token=signer-hsm" "${pin[@]}" --label release \
  --algorithm p256 --public-out "$out/keys/release.pem"
"$ceremony" key generate --token "pkcs11:token=signer-hsm" "${pin[@]}" --label evidence \
  --algorithm ed25519 --public-out "$out/keys/evidence.pem"
"$ceremony" key generate --token "pkcs11:token=custodian-alice" "${pin[@]}" --label custodian \
  --algorithm p384 --always-authenticate --public-out "$out/keys/alice.pem"
"$ceremony" key generate --token "pkcs11:token=custodian-bob" "${pin[@]}" --label custodian \
  --algorithm rsa3072 --public-out "$out/keys/bob.pem"
"$ceremony" --json key show --key "pkcs11:token=custodian-alice;object=custodian" "${pin[@]}" \
  > "$out/keys/alice-provenance.json"
echo "provenance of alice's key (from the card): $out/keys/alice-provenance.json"
grep -q '"neverExtractable": true' "$out/keys/alice-provenance.json"

step "3. A document signed by two custodians (DSSE envelope)"
printf 'Hallmark demo statement: release 1.0.0 of sku demo-esp32 may ship.\n' > "$out/statement.txt"
"$signer" sign --key "pkcs11:token=custodian-alice;object=custodian" "${pin[@]}" \
  --payload "$out/statement.txt" --payload-type text/plain --out "$out/statement.dsse.json"
"$signer" sign --key "pkcs11:token=custodian-bob;object=custodian" "${pin[@]}" \
  --envelope "$out/statement.dsse.json" --out "$out/statement.dsse.json"

step "4. Verified with public keys only: 2 of 2 custodians"
"$verify" envelope "$out/statement.dsse.json" --key "$out/keys/alice.pem" \
  --key "$out/keys/bob.pem" --threshold 2

step "5. Refusals"
echo "-- the same card signing twice counts once:"
expect_fail 1 "$signer" sign --key "pkcs11:token=custodian-alice;object=custodian" "${pin[@]}" \
  --envelope "$out/statement.dsse.json" --out "$out/twice.dsse.json"
test ! -e "$out/twice.dsse.json"
echo "-- a tampered payload:"
sed -E 's/("payload": *")./\1A/' "$out/statement.dsse.json" > "$out/tampered.dsse.json"
! cmp -s "$out/statement.dsse.json" "$out/tampered.dsse.json"
expect_fail 1 "$verify" envelope "$out/tampered.dsse.json" --key "$out/keys/alice.pem" \
  --key "$out/keys/bob.pem" --threshold 2
echo "-- a threshold the signatures do not reach (release key is not a custodian):"
expect_fail 1 "$verify" envelope "$out/statement.dsse.json" --key "$out/keys/alice.pem" \
  --key "$out/keys/release.pem" --threshold 2
echo "-- a wrong PIN:"
DEMO_WRONG_PIN="not-the-pin" expect_fail 3 "$ceremony" key show \
  --key "pkcs11:token=custodian-bob;object=custodian" --pin env:DEMO_WRONG_PIN

step "Done"
echo "Artifacts in $out: keys/*.pem (public keys), statement.dsse.json (signed), tampered.dsse.json"
echo "Check it yourself: $verify envelope $out/statement.dsse.json --key $out/keys/alice.pem --key $out/keys/bob.pem --threshold 2"

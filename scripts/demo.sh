#!/usr/bin/env bash
# make demo: what Hallmark does so far (ceremony, release, station line), on throwaway SoftHSM tokens, checking every outcome.
# Usage: scripts/demo.sh BUILD_DIR. Exits non-zero if any step does not behave as described.
set -euo pipefail

build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
out="${HALLMARK_DEMO_OUT:-$root/demo-out}"
ceremony="$build/ceremony/hallmark-ceremony"
signer="$build/signer/hallmark-signer"
station="$build/station-agent/hallmark-station"
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

rm -rf "$out"; mkdir -p "$out/tokens" "$out/keys" "$out/ceremony" "$out/station" "$out/firmware" \
  "$out/release/history"
cat > "$out/softhsm2.conf" <<CONF
directories.tokendir = $out/tokens
objectstore.backend = file
log.level = ERROR
CONF
export SOFTHSM2_CONF="$out/softhsm2.conf"
# Throwaway PINs for throwaway tokens, passed by environment variable name, never in argv.
export DEMO_SO_PIN="demo-so-pin" DEMO_PIN="demo-user-pin"
pins=(--pin alice=env:DEMO_PIN --pin bob=env:DEMO_PIN --pin carol=env:DEMO_PIN
      --signer-pin env:DEMO_PIN)

step "1. Throwaway SoftHSM tokens: the signer HSM, three custodian cards, a station token, two staff cards"
for label in signer-hsm custodian-alice custodian-bob custodian-carol station-1 person-sam \
    person-olga; do
  "$ceremony" token init --label "$label" --so-pin env:DEMO_SO_PIN --pin env:DEMO_PIN
done
"$ceremony" token status --token "pkcs11:token=custodian-alice"

step "2. Init ceremony: trust root v1, root and approver thresholds 2 of 3 (carol absent)"
cp "$root/ceremony/examples/plan.textproto" "$out/ceremony/plan.textproto"
"$ceremony" init --plan "$out/ceremony/plan.textproto" --out-dir "$out/ceremony" \
  "${pins[@]}" --present alice,bob
"$verify" trust-root "$out/ceremony/trust-root-v1.json"
"$verify" transcript "$out/ceremony/trust-root-v1.transcript.json" \
  --trust-root "$out/ceremony/trust-root-v1.json" | tail -n 12

step "3. Custodian keys: generated on the cards, never exportable"
for who in alice bob carol; do
  "$ceremony" key show --key "pkcs11:token=custodian-$who;object=custodian" --pin env:DEMO_PIN \
    --public-out "$out/keys/$who.pem" > "$out/keys/$who.txt"
  grep -q "production use: allowed" "$out/keys/$who.txt"
  echo "$who: $(grep '^key id' "$out/keys/$who.txt")"
done

step "4. Station enrollment: station-1 makes its keys and request; a root quorum registers it"
state="$out/station/state"
mkdir -p "$state"
echo 'allowed_skus: "sensor-c6"' > "$state/policy.textproto"   # the station's configuration
"$station" enroll --token "pkcs11:token=station-1" --pin env:DEMO_PIN --station-id station-1 \
  --config "$state/policy.textproto" --out "$out/station/station-1.request.json"
"$ceremony" enroll-station --plan "$out/ceremony/plan.textproto" \
  --trust-root "$out/ceremony/trust-root-v1.json" --request "$out/station/station-1.request.json" \
  --out "$out/station/station-1.registration.json" "${pins[@]}" --present bob,carol

step "5. A release bundle from sample firmware"
head -c 24576 /dev/urandom > "$out/firmware/bootloader.bin"
head -c 307200 /dev/urandom > "$out/firmware/app.bin"
cat > "$out/firmware/catalog.textproto" <<'SPEC'
skus { sku: "sensor-c6" device_family: "esp32-c6" flash_size: 4194304 formats: ESP32_SECURE_BOOT_V2 }
SPEC
cat > "$out/firmware/bundle.textproto" <<'SPEC'
sku: "sensor-c6"
version: "1.0.0"
security_counter: 1
requester: "release-manager-rita"
images { name: "bootloader" path: "bootloader.bin" role: BOOTLOADER format: ESP32_SECURE_BOOT_V2 flash_address: 0x0 }
images { name: "app" path: "app.bin" role: APPLICATION flash_address: 0x10000 }
plan { kind: WRITE_IMAGE image: "bootloader" }
plan { kind: WRITE_IMAGE image: "app" }
plan { kind: VERIFY_READBACK image: "app" }
plan { kind: PROVISION_IDENTITY }
plan { kind: BURN_EFUSE efuse: "key-digest" }
plan { kind: BURN_EFUSE efuse: "secure-boot-enable" }
plan { kind: BURN_EFUSE efuse: "debug-disable" }
plan { kind: MEASURE }
efuses { name: "key-digest" value: "release-key" }
efuses { name: "secure-boot-enable" value: "\001" }
efuses { name: "debug-disable" value: "\001" }
certificate_profile { subject_template: "CN=${serial},O=Example Devices Ltd" validity_days: 3650 key_algorithm: "ecdsa-p256" }
SPEC
"$signer" bundle create --spec "$out/firmware/bundle.textproto" \
  --catalog "$out/firmware/catalog.textproto" --out "$out/sensor-c6-1.0.0.bundle" > /dev/null
"$signer" bundle show "$out/sensor-c6-1.0.0.bundle"

step "6. Promotion: two custodians approve (carol absent); the release key signs"
for who in alice bob; do
  "$ceremony" approve "$out/sensor-c6-1.0.0.bundle" --plan "$out/ceremony/plan.textproto" \
    --trust-root "$out/ceremony/trust-root-v1.json" --custodian "$who" --channel production \
    --request-id REL-1 --history "$out/release/history" \
    --out "$out/release/approval-$who.json" --pin "$who=env:DEMO_PIN" \
    2> "$out/release/approve-$who.log"
  grep -q "about to sign" "$out/release/approve-$who.log"   # the review came before the PIN
done
echo "-- one approval is not a quorum:"
expect_fail 1 "$signer" promote "$out/sensor-c6-1.0.0.bundle" \
  --approval "$out/release/approval-alice.json" --trust-root "$out/ceremony/trust-root-v1.json" \
  --key "pkcs11:token=signer-hsm;object=release" --pin env:DEMO_PIN --history "$out/release/history" \
  --channel production --out "$out/release/refused.bundle"
test ! -e "$out/release/refused.bundle"
echo "-- two approvals:"
"$signer" promote "$out/sensor-c6-1.0.0.bundle" \
  --approval "$out/release/approval-alice.json" --approval "$out/release/approval-bob.json" \
  --trust-root "$out/ceremony/trust-root-v1.json" \
  --key "pkcs11:token=signer-hsm;object=release" --pin env:DEMO_PIN --history "$out/release/history" \
  --channel production --out "$out/release/sensor-c6-1.0.0.promoted.bundle"
"$verify" bundle "$out/release/sensor-c6-1.0.0.promoted.bundle" \
  --trust-root "$out/ceremony/trust-root-v1.json"

step "7. Station-1 takes the release in and programs units on simulated devices"
"$station" install-registration --registration "$out/station/station-1.registration.json" \
  --trust-root "$out/ceremony/trust-root-v1.json" --station-id station-1 --state "$state" \
  --token "pkcs11:token=station-1" --pin env:DEMO_PIN
"$station" intake "$out/release/sensor-c6-1.0.0.promoted.bundle" --state "$state"
line=(--token "pkcs11:token=station-1" --pin env:DEMO_PIN --state "$state")
for who in sam olga; do
  "$station" card init --card "pkcs11:token=person-$who" --card-pin env:DEMO_PIN > /dev/null
done
"$station" operator add "${line[@]}" --name sam --role supervisor \
  --card "pkcs11:token=person-sam" --card-pin env:DEMO_PIN
"$station" operator add "${line[@]}" --name olga --card "pkcs11:token=person-olga" \
  --card-pin env:DEMO_PIN --supervisor-card "pkcs11:token=person-sam" --supervisor-pin env:DEMO_PIN
"$station" login "${line[@]}" --card "pkcs11:token=person-olga" --card-pin env:DEMO_PIN
devsims=()
start_device() {  # start_device NAME HARDWARE-ID: a simulated chip on $out/devices/NAME.sock
  mkdir -p "$out/devices"
  "$build/station-agent/devsim/hallmark-devsim" --socket "$out/devices/$1.sock" \
    --hardware-id "$2" --state "$out/devices/$1.state" & devsims+=($!)
  for _ in $(seq 50); do [[ -S "$out/devices/$1.sock" ]] && return 0; sleep 0.1; done
  echo "demo: device $1 did not start" >&2; exit 1
}
trap 'kill "${devsims[@]}" 2>/dev/null || true' EXIT
for n in 1 2 3; do
  start_device "unit-$n" "C6-00000$n"
  "$station" program "${line[@]}" --serial "SN-000$n" --device "sim:$out/devices/unit-$n.sock" \
    --bundle sensor-c6
done
echo "-- a label swap: unit 4 carries unit 1's label; the line stops"
start_device unit-4 C6-000004
expect_fail 1 "$station" program "${line[@]}" --serial SN-0001 \
  --device "sim:$out/devices/unit-4.sock" --bundle sensor-c6
expect_fail 1 "$station" program "${line[@]}" --serial SN-0004 \
  --device "sim:$out/devices/unit-4.sock" --bundle sensor-c6
echo "-- the supervisor releases the line with their card and a reason"
"$station" break-glass "${line[@]}" --card "pkcs11:token=person-sam" --card-pin env:DEMO_PIN \
  --reason "unit C6-000004 relabelled SN-0004"
"$station" program "${line[@]}" --serial SN-0004 --device "sim:$out/devices/unit-4.sock" \
  --bundle sensor-c6
"$station" status "${line[@]}"
"$station" export --journal "$state/journal" --station-id station-1 \
  --token "pkcs11:token=station-1" --pin env:DEMO_PIN --out "$out/station/station-1.export.pb"
"$ceremony" key show --key "pkcs11:token=station-1;object=station" --pin env:DEMO_PIN \
  --public-out "$out/keys/station-1.pem" > /dev/null
"$verify" journal "$out/station/station-1.export.pb" --station-key "$out/keys/station-1.pem"

step "8. The signer countersigns the export: one manifest per event, one evidence signature"
evidence=(--store "$out/evidence/evidence.db")
mkdir -p "$out/evidence"
"$signer" countersign "$out/station/station-1.export.pb" "${evidence[@]}" \
  --trust-root "$out/ceremony/trust-root-v1.json" \
  --registration "$out/station/station-1.registration.json" \
  --release "$out/release/sensor-c6-1.0.0.promoted.bundle" \
  --key "pkcs11:token=signer-hsm;object=evidence" --pin env:DEMO_PIN \
  --manifests "$out/evidence/manifests"
echo "-- the same export again changes nothing (idempotent):"
again=$("$signer" countersign "$out/station/station-1.export.pb" "${evidence[@]}" \
  --trust-root "$out/ceremony/trust-root-v1.json" \
  --registration "$out/station/station-1.registration.json" \
  --key "pkcs11:token=signer-hsm;object=evidence" --pin env:DEMO_PIN)
echo "$again"
[[ $again == *REPLAY* ]] || { echo "demo: a re-import was not reported as a replay" >&2; exit 1; }
echo "-- every unit's manifest verifies with the trust root alone:"
for manifest in "$out"/evidence/manifests/*.manifest.json; do
  "$verify" manifest "$manifest" --trust-root "$out/ceremony/trust-root-v1.json" > /dev/null
done
ls "$out/evidence/manifests"
echo "-- traceability: what SN-0001 went through; which units received this release:"
"$signer" query "${evidence[@]}" --serial SN-0001
digest=$("$signer" query "${evidence[@]}" --serial SN-0001 --csv | awk -F, 'NR == 2 {print $9}')
"$signer" query "${evidence[@]}" --firmware "$digest"
units=$("$signer" query "${evidence[@]}" --firmware "$digest" --csv | awk -F, '$5 == "PROGRAM" && $6 == "PASS"' | wc -l)
[[ $units -eq 4 ]] || { echo "demo: expected 4 units with firmware $digest, found $units" >&2; exit 1; }
echo "-- this week's indicators:"
"$signer" report "${evidence[@]}" --week "$(date -u +%G-W%V)"
echo "-- today's retention segment, written once and verified offline:"
"$signer" retention export "${evidence[@]}" --day "$(date -u +%F)" --out "$out/evidence/retention"
"$verify" log "$out/evidence/retention/hallmark-log-$(date -u +%F).segment" \
  --trust-root "$out/ceremony/trust-root-v1.json"
expect_fail 4 "$signer" retention export "${evidence[@]}" --day "$(date -u +%F)" \
  --out "$out/evidence/retention"

step "9. A document signed by two custodians, verified with public keys only"
printf 'Hallmark demo statement: the night shift may use station-1.\n' > "$out/statement.txt"
"$signer" sign --key "pkcs11:token=custodian-alice;object=custodian" --pin env:DEMO_PIN \
  --payload "$out/statement.txt" --payload-type text/plain --out "$out/statement.dsse.json"
"$signer" sign --key "pkcs11:token=custodian-bob;object=custodian" --pin env:DEMO_PIN \
  --envelope "$out/statement.dsse.json" --out "$out/statement.dsse.json"
"$verify" envelope "$out/statement.dsse.json" --key "$out/keys/alice.pem" \
  --key "$out/keys/bob.pem" --threshold 2

step "10. Refusals"
echo "-- a trust root with one custodian's signature damaged (1 of 2 left):"
sed -E 's/("sig": *")./\1A/' "$out/ceremony/trust-root-v1.json" > "$out/tampered-trust-root.json"
! cmp -s "$out/ceremony/trust-root-v1.json" "$out/tampered-trust-root.json"
expect_fail 1 "$verify" trust-root "$out/tampered-trust-root.json"
echo "-- a promoted bundle with one byte changed:"
cp "$out/release/sensor-c6-1.0.0.promoted.bundle" "$out/release/tampered.bundle"
chmod u+w "$out/release/tampered.bundle"
size=$(stat -c %s "$out/release/tampered.bundle")
printf '\x5a' | dd of="$out/release/tampered.bundle" bs=1 seek=$((size / 2)) conv=notrunc status=none
expect_fail 1 "$verify" bundle "$out/release/tampered.bundle" \
  --trust-root "$out/ceremony/trust-root-v1.json"
echo "-- the same version promoted again (anti-rollback):"
expect_fail 1 "$signer" promote "$out/sensor-c6-1.0.0.bundle" \
  --approval "$out/release/approval-alice.json" --approval "$out/release/approval-bob.json" \
  --trust-root "$out/ceremony/trust-root-v1.json" \
  --key "pkcs11:token=signer-hsm;object=release" --pin env:DEMO_PIN --history "$out/release/history" \
  --channel production --out "$out/release/again.bundle"
echo "-- the same card signing twice counts once:"
expect_fail 1 "$signer" sign --key "pkcs11:token=custodian-alice;object=custodian" \
  --pin env:DEMO_PIN --envelope "$out/statement.dsse.json" --out "$out/twice.dsse.json"
test ! -e "$out/twice.dsse.json"
echo "-- a threshold the signatures do not reach (carol did not sign):"
expect_fail 1 "$verify" envelope "$out/statement.dsse.json" --key "$out/keys/alice.pem" \
  --key "$out/keys/carol.pem" --threshold 2
echo "-- a revoked station cannot be enrolled again:"
"$ceremony" revoke --plan "$out/ceremony/plan.textproto" \
  --trust-root "$out/ceremony/trust-root-v1.json" --station station-1 \
  --reason "demo: station-1 decommissioned" --out "$out/station/revoke-station-1.json" \
  "${pins[@]}" --present alice,carol
expect_fail 1 "$ceremony" enroll-station --plan "$out/ceremony/plan.textproto" \
  --trust-root "$out/ceremony/trust-root-v1.json" \
  --revocation "$out/station/revoke-station-1.json" \
  --request "$out/station/station-1.request.json" --out "$out/station/again.json" \
  "${pins[@]}" --present alice,bob
echo "-- a wrong PIN:"
DEMO_WRONG_PIN="not-the-pin" expect_fail 3 "$ceremony" key show \
  --key "pkcs11:token=custodian-bob;object=custodian" --pin env:DEMO_WRONG_PIN

step "Done"
cat <<MSG
Artifacts in $out:
  ceremony/trust-root-v1{,.transcript}.json        trust root and its ceremony transcript
  station/station-1.{request,registration}.json   enrollment request and registration
  sensor-c6-1.0.0.bundle                           release bundle as built
  release/approval-{alice,bob}.json                the two custodians' approvals
  release/sensor-c6-1.0.0.promoted.bundle          promoted bundle (native ESP32 signature inside)
  release/history/                                 the signer's promotion history (anti-rollback)
  station/state/journal                            station-1's journal: staff, sessions, units, line stop, break-glass
  station/station-1.export.pb                      its export with a checkpoint signed by the station key
  evidence/evidence.db                             the signer's evidence log and store (SQLite)
  evidence/manifests/*.manifest.json               one manifest per unit event, with its inclusion proof
  evidence/retention/hallmark-log-DAY.segment      today's write-once retention segment
  statement.dsse.json, keys/*.pem                  a co-signed document and custodian public keys
Check them yourself:
  $verify trust-root $out/ceremony/trust-root-v1.json
  $verify transcript $out/ceremony/trust-root-v1.transcript.json --trust-root $out/ceremony/trust-root-v1.json
  $verify bundle $out/release/sensor-c6-1.0.0.promoted.bundle --trust-root $out/ceremony/trust-root-v1.json
  $verify journal $out/station/station-1.export.pb --station-key $out/keys/station-1.pem
  $verify manifest $out/evidence/manifests/SN-0001.*.manifest.json --trust-root $out/ceremony/trust-root-v1.json
  $verify log $out/evidence/retention/hallmark-log-\$(date -u +%F).segment --trust-root $out/ceremony/trust-root-v1.json
MSG

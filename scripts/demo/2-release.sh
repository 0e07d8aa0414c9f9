# Act 2: two release bundles from sample firmware (an ESP32-like SKU with Secure Boot V2 and
# an MCUboot-like SKU), reviewed and approved by two custodians, promoted by the release key.
step "5. Release bundles from sample firmware: sensor-c6 (ESP32-like) and gateway-n9 (MCUboot-like)"
fw="$out/firmware"
# Random contents behind a realistic first word: a boot ROM takes 0xFF at offset 0 for
# erased flash, so a random bootloader would be "missing" one demo in 256.
{ printf '\xe9'; head -c 24575 /dev/urandom; } > "$fw/bootloader.bin"   # ESP32 second-stage bootloader (image magic 0xE9)
head -c 3072 /dev/urandom > "$fw/partitions.bin"       # ESP32 partition table
head -c 307200 /dev/urandom > "$fw/sensor-app.bin"     # the sensor application
{ printf '\x00\x00\x04\x20'; head -c 32764 /dev/urandom; } > "$fw/mcuboot.bin"   # MCUboot itself (initial stack pointer 0x20040000)
head -c 196608 /dev/urandom > "$fw/gateway-app.bin"    # the gateway application (MCUboot image)
cat > "$fw/catalog.textproto" <<'SPEC'
skus { sku: "sensor-c6" device_family: "esp32-c6" flash_size: 4194304 formats: ESP32_SECURE_BOOT_V2 }
skus { sku: "gateway-n9" device_family: "nrf52840" flash_size: 1048576 formats: MCUBOOT }
SPEC
cat > "$fw/sensor-c6.textproto" <<'SPEC'
sku: "sensor-c6"
version: "1.0.0"
security_counter: 1
requester: "REQUESTER"
images { name: "bootloader" path: "bootloader.bin" role: BOOTLOADER format: ESP32_SECURE_BOOT_V2 flash_address: 0x0 }
images { name: "partitions" path: "partitions.bin" role: PARTITION_TABLE flash_address: 0x8000 }
images { name: "app" path: "sensor-app.bin" role: APPLICATION flash_address: 0x10000 }
plan { kind: WRITE_IMAGE image: "bootloader" }
plan { kind: WRITE_IMAGE image: "partitions" }
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
cat > "$fw/gateway-n9.textproto" <<'SPEC'
sku: "gateway-n9"
version: "2.1.0"
security_counter: 4
requester: "REQUESTER"
images { name: "mcuboot" path: "mcuboot.bin" role: BOOTLOADER flash_address: 0x0 }
images { name: "app" path: "gateway-app.bin" role: APPLICATION format: MCUBOOT flash_address: 0xc000 }
plan { kind: WRITE_IMAGE image: "mcuboot" }
plan { kind: WRITE_IMAGE image: "app" }
plan { kind: VERIFY_READBACK image: "app" }
plan { kind: PROVISION_IDENTITY }
plan { kind: BURN_EFUSE efuse: "debug-disable" }
plan { kind: MEASURE }
efuses { name: "debug-disable" value: "\001" }
certificate_profile { subject_template: "CN=${serial},O=Example Devices Ltd" validity_days: 3650 key_algorithm: "ecdsa-p256" }
SPEC
# carol asks for both releases (the requester is named by her card's key id, never a typed
# name); alice and bob approve: carol could not, with any of her cards.
requester=$(awk '/^key id/ {print $NF}' "$out/keys/carol.txt")
check "no key id for carol's card" test "${#requester}" -eq 64
sed -i "s/REQUESTER/$requester/" "$fw/sensor-c6.textproto" "$fw/gateway-n9.textproto"
releases=(sensor-c6-1.0.0 gateway-n9-2.1.0)
for r in "${releases[@]}"; do
  "$signer" bundle create --spec "$fw/${r%-*}.textproto" --catalog "$fw/catalog.textproto" \
    --out "$out/release/$r.bundle" > /dev/null
done
"$signer" bundle show "$out/release/sensor-c6-1.0.0.bundle"

step "6. Promotion: alice and bob approve (carol absent); one approval is refused; the release key signs"
for r in "${releases[@]}"; do
  for who in alice bob; do
    "$ceremony" approve "$out/release/$r.bundle" --plan "$out/ceremony/plan.textproto" \
      "${trust[@]}" --custodian "$who" --channel production --request-id "REL-$r" \
      --history "$out/release/history" --out "$out/release/$r.approval-$who.json" \
      --pin "$who=env:DEMO_PIN" 2> "$out/release/$r.approve-$who.log"
    grep -q "about to sign" "$out/release/$r.approve-$who.log"   # the review came before the PIN
  done
done
echo "-- one approval is not a quorum:"
expect_fail 1 "$signer" promote "$out/release/sensor-c6-1.0.0.bundle" \
  --approval "$out/release/sensor-c6-1.0.0.approval-alice.json" "${trust[@]}" \
  --allow-software-token --key "pkcs11:token=signer-hsm;object=release" --pin env:DEMO_PIN \
  --history "$out/release/history" --channel production --out "$out/release/refused.bundle"
test ! -e "$out/release/refused.bundle"
echo "-- two approvals:"
for r in "${releases[@]}"; do
  "$signer" promote "$out/release/$r.bundle" \
    --approval "$out/release/$r.approval-alice.json" --approval "$out/release/$r.approval-bob.json" \
    "${trust[@]}" --allow-software-token --key "pkcs11:token=signer-hsm;object=release" --pin env:DEMO_PIN \
    --history "$out/release/history" --channel production --out "$out/release/$r.promoted.bundle"
  "$verify" bundle "$out/release/$r.promoted.bundle" "${vtrust[@]}" > "$out/release/$r.verified.txt"
  echo "$r: promoted and verified with the trust root alone"
done

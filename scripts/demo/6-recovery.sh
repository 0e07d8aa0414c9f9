# Act 6: disaster recovery. The signer HSM's keys (the plan marks them backup: true) are
# backed up under a custodian quorum; the HSM is then lost (its token deleted); alice and
# bob restore the keys into a fresh token, and a new release promoted with the restored
# release key verifies with the unchanged trust root v1. The fresh token takes the old
# label, so the guides' examples go on with pkcs11:token=signer-hsm.
export DEMO_PASSPHRASE="demo-share-passphrase"   # throwaway, like the PINs
shares=(--passphrase alice=env:DEMO_PASSPHRASE --passphrase bob=env:DEMO_PASSPHRASE
        --passphrase carol=env:DEMO_PASSPHRASE)
mkdir -p "$out/backup"
step "19. Backup: the signer HSM's keys wrapped under a key split among alice, bob and carol (any 2 restore)"
"$ceremony" backup --plan "$out/ceremony/plan.textproto" "${trust[@]}" --out-dir "$out/backup" \
  "${pins[@]}" --signer-so-pin env:DEMO_SO_PIN "${shares[@]}"
"$verify" transcript "$out/backup/backup-manifest.transcript.json" "${vtrust[@]}" | tail -n 4

step "20. The signer HSM is lost: its token is deleted, a fresh empty one takes its place"
softhsm2-util --delete-token --token signer-hsm > /dev/null
"$ceremony" token init --label signer-hsm --so-pin env:DEMO_SO_PIN --pin env:DEMO_PIN
restore=("$ceremony" restore --plan "$out/ceremony/plan.textproto" "${trust[@]}"
         --manifest "$out/backup/backup-manifest.json" "${pins[@]}" "${shares[@]}")
echo "-- one custodian alone restores nothing (and is told how many more to bring):"
expect_fail 1 "${restore[@]}" --share "$out/backup/share-alice.hshare" --present alice \
  --out-dir "$out/refused"
echo "-- a share with one byte changed is refused before anything is imported:"
tampered_copy "$out/backup/share-bob.hshare" "$out/refused/share-bob.hshare"
expect_fail 1 "${restore[@]}" --share "$out/backup/share-alice.hshare" \
  --share "$out/refused/share-bob.hshare" --present alice,bob --out-dir "$out/refused"

step "21. Restore: alice and bob bring their shares; the keys return with the trust root's key ids"
"${restore[@]}" --share "$out/backup/share-alice.hshare" --share "$out/backup/share-bob.hshare" \
  --present alice,bob --out-dir "$out/backup"
"$verify" transcript "$out/backup/restore.transcript.json" "${vtrust[@]}" | tail -n 4

step "22. sensor-c6 1.0.1 promoted with the restored release key, verified with the unchanged trust root"
sed -e 's/^version: .*/version: "1.0.1"/' "$fw/sensor-c6.textproto" > "$fw/sensor-c6-1.0.1.textproto"
"$signer" bundle create --spec "$fw/sensor-c6-1.0.1.textproto" --catalog "$fw/catalog.textproto" \
  --out "$out/release/sensor-c6-1.0.1.bundle" > /dev/null
for who in alice bob; do
  "$ceremony" approve "$out/release/sensor-c6-1.0.1.bundle" --plan "$out/ceremony/plan.textproto" \
    "${trust[@]}" --custodian "$who" --channel production --request-id "REL-sensor-c6-1.0.1" \
    --history "$out/release/history" --out "$out/release/sensor-c6-1.0.1.approval-$who.json" \
    --pin "$who=env:DEMO_PIN" 2> /dev/null
done
"$signer" promote "$out/release/sensor-c6-1.0.1.bundle" \
  --approval "$out/release/sensor-c6-1.0.1.approval-alice.json" \
  --approval "$out/release/sensor-c6-1.0.1.approval-bob.json" \
  "${trust[@]}" --allow-software-token --key "pkcs11:token=signer-hsm;object=release" --pin env:DEMO_PIN \
  --history "$out/release/history" --channel production --out "$out/release/sensor-c6-1.0.1.promoted.bundle"
"$verify" bundle "$out/release/sensor-c6-1.0.1.promoted.bundle" "${vtrust[@]}" \
  > "$out/release/sensor-c6-1.0.1.verified.txt"
echo "sensor-c6-1.0.1: promoted with the restored key and verified with trust root v1 alone"

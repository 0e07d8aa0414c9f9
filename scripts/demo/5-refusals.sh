# Act 5: a co-signed document, and the refusals that matter, each with its exit code.
step "17. A document signed by two custodians, verified with public keys only"
printf 'Hallmark demo statement: the night shift may use station-1.\n' > "$out/statement.txt"
"$signer" sign --allow-software-token --key "pkcs11:token=custodian-alice;object=custodian" --pin env:DEMO_PIN \
  --payload "$out/statement.txt" --payload-type text/plain --out "$out/statement.dsse.json"
"$signer" sign --allow-software-token --key "pkcs11:token=custodian-bob;object=custodian" --pin env:DEMO_PIN \
  --envelope "$out/statement.dsse.json" --out "$out/statement.dsse.json"
"$verify" envelope "$out/statement.dsse.json" --key "$out/keys/alice.pem" \
  --key "$out/keys/bob.pem" --threshold 2

step "18. Refusals"
echo "-- a trust root with one custodian's signature damaged (1 of 2 left):"
sed -E 's/("sig": *")A/\1B/; t; s/("sig": *")./\1A/' "$out/ceremony/trust-root-v1.json" > "$out/refused/tampered-trust-root.json"
if cmp -s "$out/ceremony/trust-root-v1.json" "$out/refused/tampered-trust-root.json"; then
  echo "demo: the trust root's signature was not changed" >&2; exit 1
fi
expect_fail 1 "$verify" trust-root "$out/refused/tampered-trust-root.json" --pin-digest "$anchor"
echo "-- a promoted bundle with one byte changed:"
tampered_copy "$out/release/sensor-c6-1.0.0.promoted.bundle" "$out/refused/tampered.bundle"
expect_fail 1 "$verify" bundle "$out/refused/tampered.bundle" "${vtrust[@]}"
echo "-- the same version promoted again (anti-rollback):"
expect_fail 1 "$signer" promote "$out/release/sensor-c6-1.0.0.bundle" \
  --approval "$out/release/sensor-c6-1.0.0.approval-alice.json" \
  --approval "$out/release/sensor-c6-1.0.0.approval-bob.json" "${trust[@]}" \
  --allow-software-token --key "pkcs11:token=signer-hsm;object=release" --pin env:DEMO_PIN \
  --history "$out/release/history" --channel production --out "$out/refused/again.bundle"
echo "-- a station export with one byte changed is refused by countersign, nothing merged:"
tampered_copy "$out/station/station-1.export.pb" "$out/refused/tampered.export.pb"
expect_fail 1 "$signer" countersign "$out/refused/tampered.export.pb" \
  --store "$out/refused/evidence.db" "${trust[@]}" \
  --registration "$out/station/station-1.registration.json" \
  --allow-software-token --key "pkcs11:token=signer-hsm;object=evidence" --pin env:DEMO_PIN
echo "-- a manifest with one byte changed:"
manifest=$(ls "$out"/evidence/manifests/SN-0001.*.manifest.json | head -1)
# The manifest's first base64 character ("C": its first field tag) becomes "A".
sed 's/"manifest": "C/"manifest": "A/' "$manifest" > "$out/refused/tampered.manifest.json"
if cmp -s "$manifest" "$out/refused/tampered.manifest.json"; then
  echo "demo: the manifest was not changed" >&2; exit 1
fi
expect_fail 1 "$verify" manifest "$out/refused/tampered.manifest.json" "${vtrust[@]}"
echo "-- the same card signing twice counts once:"
expect_fail 1 "$signer" sign --allow-software-token --key "pkcs11:token=custodian-alice;object=custodian" \
  --pin env:DEMO_PIN --envelope "$out/statement.dsse.json" --out "$out/refused/twice.dsse.json"
test ! -e "$out/refused/twice.dsse.json"
echo "-- a threshold the signatures do not reach (carol did not sign):"
expect_fail 1 "$verify" envelope "$out/statement.dsse.json" --key "$out/keys/alice.pem" \
  --key "$out/keys/carol.pem" --threshold 2
echo "-- a person the station invents: mallory's own card is not on the roster signed on the"
echo "   signer host, so she cannot log in (nothing is journaled):"
"$station" card init --allow-software-token --card "pkcs11:token=person-mallory" --card-pin env:DEMO_PIN \
  --public-key-out "$out/refused/mallory.pub.pem" > /dev/null
before=$("$station" status "${line1[@]}" | grep '^journal')
expect_fail 1 "$station" login "${line1[@]}" --card "pkcs11:token=person-mallory" --card-pin env:DEMO_PIN
check "a refused log-in was journaled" test "$before" = "$("$station" status "${line1[@]}" | grep '^journal')"
echo "-- a copied break-glass: someone with write access to station-1's state appends sam's"
echo "   break-glass again as a new, correctly chained record (on a copy of the state):"
glass=$(sed -n 's/^line released (record \([0-9]*\)).*/\1/p' "$out/station/station-1.break-glass.txt")
forged="$out/refused/station-1-forged"
rm -rf "$forged" && cp -a "$out/station-1" "$forged" && chmod -R u+w "$forged"
copy=$("$forge" copy-record "$forged/journal" station-1 "$glass")
echo "   record $glass copied as record $copy"
expect_fail 1 "$station" status --allow-software-token --token "pkcs11:token=station-1" --pin env:DEMO_PIN --state "$forged"
"$station" export --journal "$forged/journal" --station-id station-1 --allow-software-token --token "pkcs11:token=station-1" \
  --pin env:DEMO_PIN --out "$out/refused/forged.export.pb"
rm -rf "$out/refused/forged-evidence" && cp -a "$out/evidence" "$out/refused/forged-evidence"
expect_fail 1 "$signer" countersign "$out/refused/forged.export.pb" \
  --store "$out/refused/forged-evidence/evidence.db" "${trust[@]}" \
  --registration "$out/station/station-1.registration.json" --roster "$out/people/roster-v1.json" \
  --allow-software-token --key "pkcs11:token=signer-hsm;object=evidence" --pin env:DEMO_PIN
echo "-- a revoked station cannot be enrolled again:"
"$ceremony" revoke --plan "$out/ceremony/plan.textproto" "${trust[@]}" --station station-1 \
  --reason "demo: station-1 decommissioned" --out "$out/refused/revoke-station-1.json" \
  "${pins[@]}" --present alice,carol
expect_fail 1 "$ceremony" enroll-station --plan "$out/ceremony/plan.textproto" "${trust[@]}" \
  --revocation "$out/refused/revoke-station-1.json" \
  --request "$out/station/station-1.request.json" --out "$out/refused/again.json" \
  "${pins[@]}" --present alice,bob
echo "-- ...and station-1, given the revocation, keeps it, journals it and programs nothing more"
echo "   (on a copy of its state, refused/station-1-revoked: the guides' examples go on with station-1):"
revoked="$out/refused/station-1-revoked"
rm -rf "$revoked" && cp -a "$out/station-1" "$revoked"   # modes kept: its cache stays read-only
line1r=(--allow-software-token --token "pkcs11:token=station-1" --pin env:DEMO_PIN --state "$revoked")
"$station" install-revocation "$out/refused/revoke-station-1.json" "${line1r[@]}"
expect_fail 1 "$station" program "${line1r[@]}" --serial SN-0099 --device "$(dev unit)" --bundle sensor-c6
"$station" status "${line1r[@]}" > /dev/null   # it still opens: status and export go on
echo "-- a wrong PIN:"
DEMO_WRONG_PIN="not-the-pin" expect_fail 3 "$ceremony" key show \
  --key "pkcs11:token=custodian-bob;object=custodian" --pin env:DEMO_WRONG_PIN

# Act 1: tokens, the init ceremony (three custodians, thresholds 2 of 3), custodian keys.
step "1. Throwaway SoftHSM tokens: the signer HSM, three custodian cards, two station tokens, five staff cards"
for label in signer-hsm custodian-alice custodian-bob custodian-carol station-1 station-2 \
    person-sam person-olga person-tom person-ivy person-mallory; do
  "$ceremony" token init --label "$label" --so-pin env:DEMO_SO_PIN --pin env:DEMO_PIN
done
"$ceremony" token status --token "pkcs11:token=custodian-alice"

step "2. Init ceremony: trust root v1, root and approver thresholds 2 of 3 (carol absent)"
cp "$root/ceremony/examples/plan.textproto" "$out/ceremony/plan.textproto"
"$ceremony" init --plan "$out/ceremony/plan.textproto" --out-dir "$out/ceremony" \
  "${pins[@]}" --present alice,bob 2> >(tee "$out/ceremony/init.log" >&2)
# The anchor digest the ceremony read out: what every auditor pins, compared out of band.
anchor=$(awk '/anchor digest:/ {print $3}' "$out/ceremony/init.log")
check "the init ceremony printed no anchor digest" test "${#anchor}" -eq 64
echo "$anchor" > "$out/ceremony/anchor.sha256"
vtrust=("${trust[@]}" --pin-digest "$anchor")
echo "-- an auditor who has not pinned the anchor is refused (and told what to compare):"
expect_fail 1 env -u HALLMARK_ANCHOR "$verify" trust-root "$out/ceremony/trust-root-v1.json"
echo "-- and one who pinned another anchor:"
expect_fail 1 "$verify" trust-root "$out/ceremony/trust-root-v1.json" --pin-digest "$(printf '%064d' 0)"
"$verify" trust-root "$out/ceremony/trust-root-v1.json" --pin-digest "$anchor"
echo "-- or with the anchor installed once as a file (/etc/hallmark/anchor.sha256, or \$HALLMARK_ANCHOR):"
HALLMARK_ANCHOR="$out/ceremony/anchor.sha256" "$verify" trust-root "$out/ceremony/trust-root-v1.json" | sed -n 1p
"$verify" transcript "$out/ceremony/trust-root-v1.transcript.json" "${vtrust[@]}" | tail -n 12

step "3. Custodian keys: generated on the cards, never exportable"
for who in alice bob carol; do
  "$ceremony" key show --key "pkcs11:token=custodian-$who;object=custodian" --pin env:DEMO_PIN \
    --public-out "$out/keys/$who.pem" > "$out/keys/$who.txt"
  grep -q "production use: allowed" "$out/keys/$who.txt"
  echo "$who: $(grep '^key id' "$out/keys/$who.txt")"
done

step "4. Station enrollment: station-1 and station-2 make their keys and requests; a root quorum registers them"
for s in station-1 station-2; do
  mkdir -p "$out/$s"
  # The station's configuration: hashed into its enrollment, so drift is caught later.
  printf 'allowed_skus: "sensor-c6"\nallowed_skus: "gateway-n9"\n' > "$out/$s/policy.textproto"
  "$station" enroll --allow-software-token --token "pkcs11:token=$s" --pin env:DEMO_PIN --station-id "$s" \
    --config "$out/$s/policy.textproto" --out "$out/station/$s.request.json"
  "$ceremony" enroll-station --plan "$out/ceremony/plan.textproto" "${trust[@]}" \
    --request "$out/station/$s.request.json" --out "$out/station/$s.registration.json" \
    "${pins[@]}" --present bob,carol
done

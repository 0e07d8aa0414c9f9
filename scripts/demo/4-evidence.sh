# Act 4: the signer countersigns both exports (one evidence signature for the batch), every
# manifest is verified with the trust root alone, traceability questions are answered, the
# week's indicators are reported (as text and as a static site for auditors) and the day is
# retained as a write-once segment.
step "12. Countersign both stations' exports: one manifest per event, one evidence signature"
store=(--store "$out/evidence/evidence.db")
exports=("$out/station/station-1.export.pb" "$out/station/station-2.export.pb")
countersign=("$signer" countersign "${exports[@]}" "${store[@]}" "${trust[@]}"
  --registration "$out/station/station-1.registration.json"
  --registration "$out/station/station-2.registration.json"
  --roster "$out/people/roster-v1.json"
  --allow-software-token --key "pkcs11:token=signer-hsm;object=evidence" --pin env:DEMO_PIN)
for r in "${releases[@]}"; do countersign+=(--release "$out/release/$r.promoted.bundle"); done
"${countersign[@]}" --manifests "$out/evidence/manifests" | tee "$out/evidence/countersign.txt"
grep -q "1 signature for the batch" "$out/evidence/countersign.txt"
echo "-- the same exports again change nothing (idempotent):"
again=$("${countersign[@]}")
echo "$again"
check "a re-import was not reported as a replay" grep -q "REPLAY" <<<"$again"
check "a re-import signed something" grep -q "no signature made" <<<"$again"

step "13. Every unit's manifest verifies with the trust root alone"
count=0
for manifest in "$out"/evidence/manifests/*.manifest.json; do
  "$verify" manifest "$manifest" "${vtrust[@]}" > /dev/null
  count=$((count + 1))
done
echo "$count manifests verified (inclusion proof, evidence checkpoint, station signature)"
"$verify" manifest "$(ls "$out"/evidence/manifests/SN-1005.*.manifest.json | head -1)" "${vtrust[@]}"
echo "-- and its identity certificate, issued by station-2's device-CA key to SN-1005:"
"$verify" device "$(ls "$out"/evidence/manifests/SN-1005.*.manifest.json | head -1)" "${vtrust[@]}"

step "14. Traceability: what does SN-0035 run, which units received each release"
"$signer" query "${store[@]}" --serial SN-0035
for sku in sensor-c6 gateway-n9; do
  first=$([[ $sku == sensor-c6 ]] && echo SN-0001 || echo SN-1001)
  digest=$("$signer" query "${store[@]}" --serial "$first" --csv | awk -F, 'NR == 2 {print $9}')
  units=$("$signer" query "${store[@]}" --firmware "$digest" --csv |
    awk -F, '$6 == "PASS" {print $7}' | sort -u | wc -l)
  echo "$sku (bundle $digest): $units units"
  "$signer" query "${store[@]}" --firmware "$digest" --csv > "$out/evidence/units-$sku.csv"
done
sensor_units=$(awk -F, '$6 == "PASS" {print $7}' "$out/evidence/units-sensor-c6.csv" | sort -u | wc -l)
gateway_units=$(awk -F, '$6 == "PASS" {print $7}' "$out/evidence/units-gateway-n9.csv" | sort -u | wc -l)
check "expected 34 sensor-c6 units, found $sensor_units" test "$sensor_units" -eq 34
check "expected 20 gateway-n9 units, found $gateway_units" test "$gateway_units" -eq 20
check "fewer than 50 units programmed" test $((sensor_units + gateway_units)) -ge 50

step "15. This week's indicators per station"
week=$(date -u +%G-W%V)
"$signer" report "${store[@]}" --week "$week" | tee "$out/evidence/report-$week.txt"
"$signer" --json report "${store[@]}" --week "$week" > "$out/evidence/report-$week.json"
grep -q '"breakGlass": "2"' "$out/evidence/report-$week.json"

echo "-- the same numbers as a static site for auditors (trends, releases, units with exceptions):"
"$signer" report "${store[@]}" --week "$week" --html "$out/report"
check "the report site has no page for the week" test -s "$out/report/weeks/$week.html"
check "the report site lists no unit with an exception" test -n "$(ls "$out"/report/serials/u-*.html)"

echo "-- this week's exceptions, with who and why (also as CSV and JSON lines):"
"$signer" query "${store[@]}" --exceptions --week "$week" | tee "$out/evidence/exceptions-$week.txt"
"$signer" query "${store[@]}" --exceptions --week "$week" --csv > "$out/evidence/exceptions-$week.csv"
"$signer" --json query "${store[@]}" --exceptions --week "$week" > "$out/evidence/exceptions-$week.json"
unsynced=$("$signer" query "${store[@]}" --finding CLOCK_UNSYNCED --csv | tail -n +2 | wc -l)
check "$unsynced events carry a clock finding although the stations' clocks are synchronised" \
  test "$unsynced" -eq 0
check "a break-glass row names no serial or no supervisor" \
  test "$(awk -F, '$5 == "BREAK_GLASS" && ($7 == "" || $12 == "")' "$out/evidence/exceptions-$week.csv" | wc -l)" -eq 0
check "the scrapped unit is not listed with its scrap" \
  grep -q "scrapped at entry" <<<"$("$signer" query "${store[@]}" --serial SN-0033)"

step "16. Today's retention segment: written once, read-only, verified offline"
day=$(date -u +%F)
"$signer" retention export "${store[@]}" --day "$day" --out "$out/evidence/retention"
"$verify" log "$out/evidence/retention/hallmark-log-$day.segment" "${vtrust[@]}"
expect_fail 4 "$signer" retention export "${store[@]}" --day "$day" --out "$out/evidence/retention"

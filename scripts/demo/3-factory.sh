# Act 3: a factory day on two stations: intake, staff with their own cards, 54 units on
# simulated chips, and the exceptions a night shift meets — a label swap that stops the
# line and a supervisor's break-glass, a write failure then rework, a scrapped board that
# comes back and is caught, a disconnect and the unit taken over by the other station, a
# board of the wrong part refused before anything is written.
step "7. Both stations install their registration and take both releases in"
for s in station-1 station-2; do
  "$station" install-registration --registration "$out/station/$s.registration.json" \
    "${trust[@]}" --station-id "$s" --state "$out/$s" --token "pkcs11:token=$s" --pin env:DEMO_PIN
  for r in "${releases[@]}"; do
    "$station" intake "$out/release/$r.promoted.bundle" --state "$out/$s"
  done
done

staff() {  # staff STATION OPERATOR: the roster is installed and the operator logs in with their card
  local s=$1 op=$2
  local line=(--allow-software-token --token "pkcs11:token=$s" --pin env:DEMO_PIN --state "$out/$s")
  "$station" install-roster "${line[@]}" "$out/people/roster-v1.json"
  "$station" login "${line[@]}" --card "pkcs11:token=person-$op" --card-pin env:DEMO_PIN
}
program() {  # program STATION SKU SERIAL HARDWARE-ID [devsim flags...]: one unit, PASS expected
  local s=$1 sku=$2 serial=$3 hw=$4; shift 4
  device_on unit "$hw" "$@"
  "$station" program --allow-software-token --token "pkcs11:token=$s" --pin env:DEMO_PIN --state "$out/$s" \
    --serial "$serial" --device "$(dev unit)" --bundle "$sku" > "$out/$s/last-unit.txt"
  device_off
  printf '%s %s -> %s\n' "$s" "$serial" "$(grep '^result' "$out/$s/last-unit.txt")"
}
step "8. The people: each card makes its key, the custodians sign the roster on the signer host"
# No station enrols anyone: the station admin writes who may work where, each person's
# card makes its key and hands over its public key, and a root quorum signs the roster.
mkdir -p "$out/people"
for who in sam olga tom ivy; do
  "$station" card init --allow-software-token --card "pkcs11:token=person-$who" --card-pin env:DEMO_PIN \
    --public-key-out "$out/people/$who.pub.pem" > /dev/null
done
cat > "$out/people/roster.textproto" <<'ROSTER'
people { name: "sam"  role: "supervisor" public_key_file: "sam.pub.pem"  stations: "station-1" }
people { name: "olga" role: "operator"   public_key_file: "olga.pub.pem" stations: "station-1" }
people { name: "tom"  role: "supervisor" public_key_file: "tom.pub.pem"  stations: "station-2" }
people { name: "ivy"  role: "operator"   public_key_file: "ivy.pub.pem"  stations: "station-2" }
ROSTER
"$ceremony" roster --plan "$out/ceremony/plan.textproto" "${trust[@]}" \
  --spec "$out/people/roster.textproto" --reason "demo: the day's staff" \
  --out "$out/people/roster-v1.json" "${pins[@]}" --present alice,bob
line1=(--allow-software-token --token "pkcs11:token=station-1" --pin env:DEMO_PIN --state "$out/station-1")
line2=(--allow-software-token --token "pkcs11:token=station-2" --pin env:DEMO_PIN --state "$out/station-2")

step "8b. Station-1 installs the roster; olga (operator) logs in with her card; 30 sensor-c6 units"
staff station-1 olga
for n in $(seq -w 1 30); do program station-1 sensor-c6 "SN-00$n" "C6-0000$n"; done

step "9. Exceptions at station-1"
echo "-- a label swap: board C6-000031 carries SN-0001's label; the line stops, the next unit is refused"
device_on unit C6-000031
expect_fail 1 "$station" program "${line1[@]}" --serial SN-0001 --device "$(dev unit)" --bundle sensor-c6
expect_fail 1 "$station" program "${line1[@]}" --serial SN-0031 --device "$(dev unit)" --bundle sensor-c6
echo "-- sam releases the line with his card and a reason; the board gets its own label"
"$station" break-glass "${line1[@]}" --card "pkcs11:token=person-sam" --card-pin env:DEMO_PIN \
  --reason "board C6-000031 relabelled SN-0031" | tee "$out/station/station-1.break-glass.txt"
device_off
program station-1 sensor-c6 SN-0031 C6-000031

echo "-- a flash write error: the unit is recorded as FAILED, then reworked on a good fixture"
device_on unit C6-000032 --fail-write-at 131072
expect_fail 1 "$station" program "${line1[@]}" --serial SN-0032 --device "$(dev unit)" --bundle sensor-c6
device_off
device_on unit C6-000032
"$station" rework "${line1[@]}" --serial SN-0032 --device "$(dev unit)" --bundle sensor-c6 \
  --reason "write error at 0x20000; reseated in fixture 2"
device_off

echo "-- a scrapped board comes back with a fresh label: the line stops"
program station-1 sensor-c6 SN-0033 C6-000033
"$station" scrap "${line1[@]}" --hardware-id C6-000033 --reason "cracked enclosure"
device_on unit C6-000033
expect_fail 1 "$station" program "${line1[@]}" --serial SN-0034 --device "$(dev unit)" --bundle sensor-c6
device_off
"$station" break-glass "${line1[@]}" --card "pkcs11:token=person-sam" --card-pin env:DEMO_PIN \
  --reason "scrapped board C6-000033 pulled from the line again"

echo "-- a disconnect mid-flash: SN-0035 fails here and goes to station-2"
device_on unit C6-000035 --disconnect-at 65536
expect_fail 1 "$station" program "${line1[@]}" --serial SN-0035 --device "$(dev unit)" --bundle sensor-c6
device_off
"$station" status "${line1[@]}"

step "10. Station-2: tom (supervisor) and ivy (operator); 20 gateway-n9 units and the unit from station-1"
staff station-2 ivy
echo "-- the wrong part: an ESP32-C6 board in the gateway-n9 tray is refused before anything is written"
device_on unit C6-000099
expect_fail 1 "$station" program "${line2[@]}" --serial SN-1099 --device "$(dev unit)" --bundle gateway-n9
device_off
for n in $(seq -w 1 20); do
  program station-2 gateway-n9 "SN-10$n" "N9-0000$n"
done
device_on unit C6-000035
"$station" take-over "${line2[@]}" --serial SN-0035 --device "$(dev unit)" --from-station station-1 \
  --reason "disconnect at station-1; finished on station-2"
"$station" rework "${line2[@]}" --serial SN-0035 --device "$(dev unit)" --bundle sensor-c6 \
  --reason "programmed after the take-over"
device_off
"$station" status "${line2[@]}"

step "11. Each station exports its journal with a checkpoint signed by its station key"
for s in station-1 station-2; do
  "$station" export --allow-software-token --token "pkcs11:token=$s" --pin env:DEMO_PIN --state "$out/$s" \
    --out "$out/station/$s.export.pb"
  "$ceremony" key show --key "pkcs11:token=$s;object=station" --pin env:DEMO_PIN \
    --public-out "$out/keys/$s.pem" > /dev/null
  "$verify" journal "$out/station/$s.export.pb" --station-key "$out/keys/$s.pem"
done

# Shared by the demo's acts (sourced by scripts/demo.sh): paths, step headings, expected
# refusals, simulated devices. Throwaway PINs for throwaway tokens, passed by environment
# variable name, never in argv.
ceremony="$build/ceremony/hallmark-ceremony"
signer="$build/signer/hallmark-signer"
# The stations run with a simulated NTP-disciplined clock (station-agent/devsim/
# synced_clock.cpp), as a factory's would: this machine's kernel clock may be undisciplined,
# and then every event would carry a CLOCK_UNSYNCED finding and hide the real ones.
mkdir -p "$out/bin"
cat > "$out/bin/hallmark-station" <<WRAP
#!/bin/sh
# The demo's stations: hallmark-station with a simulated NTP-disciplined clock.
LD_PRELOAD="$build/station-agent/devsim/libhallmark-devsim-clock.so" exec "$build/station-agent/hallmark-station" "\$@"
WRAP
chmod +x "$out/bin/hallmark-station"
station="$out/bin/hallmark-station"
verify="$build/verifier/hallmark-verify"
devsim="$build/station-agent/devsim/hallmark-devsim"
forge="$build/tests/attacks/hallmark-forge"  # the attacker's tool (demo and tests only)
trust=(--trust-root "$out/ceremony/trust-root-v1.json")
# hallmark-verify also needs the anchor pinned: vtrust is set once the init ceremony has
# read out the anchor digest (act 1).
vtrust=()
export DEMO_SO_PIN="demo-so-pin" DEMO_PIN="demo-user-pin"
pins=(--pin alice=env:DEMO_PIN --pin bob=env:DEMO_PIN --pin carol=env:DEMO_PIN
      --signer-pin env:DEMO_PIN)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
expect_fail() {  # expect_fail CODE command...: the command must exit with CODE
  local want=$1; shift
  set +e; "$@"; local got=$?; set -e
  if [[ $got -ne $want ]]; then
    echo "demo: expected exit $want, got $got from: $*" >&2; exit 1
  fi
  echo "   (refused as expected, exit $got)"
}
check() {  # check "what" condition...: the demo stops when the condition is false
  local what=$1; shift
  "$@" || { echo "demo: $what" >&2; exit 1; }
}

# tampered_copy ORIGINAL COPY: COPY is ORIGINAL with its middle byte inverted (a constant
# byte would leave the file unchanged 1 time in 256).
tampered_copy() {
  cp "$1" "$2"
  chmod u+w "$2"
  local at byte
  at=$(( $(stat -c %s "$2") / 2 ))
  byte=$(od -An -tu1 -j "$at" -N 1 "$2" | tr -d ' ')
  printf "\\x$(printf '%02x' $((byte ^ 0xff)))" | dd of="$2" bs=1 seek="$at" conv=notrunc status=none
  if cmp -s "$1" "$2"; then echo "demo: $2 is not changed" >&2; exit 1; fi
}

# Simulated chips (a mock of an MCU: hallmark-devsim), one at a time per socket. The part a
# board is follows its hardware id: C6-… an ESP32-C6 with 4 MiB, N9-… an nRF52840 with 1 MiB.
device_pid=""
device_on() {  # device_on NAME HARDWARE-ID [FAULT FLAGS...]: starts $out/devices/NAME.sock
  local name=$1 hw=$2; shift 2
  local part=()
  case $hw in
    C6-*) part=(--family ESP32-C6 --flash-size 4194304) ;;
    N9-*) part=(--family nRF52840 --flash-size 1048576) ;;
  esac
  mkdir -p "$out/devices"
  rm -f "$out/devices/$name.sock"
  "$devsim" --socket "$out/devices/$name.sock" --hardware-id "$hw" "${part[@]}" "$@" &
  device_pid=$!
  for _ in $(seq 100); do [[ -S "$out/devices/$name.sock" ]] && return 0; sleep 0.05; done
  echo "demo: device $name did not start" >&2; exit 1
}
device_off() {
  [[ -n $device_pid ]] && { kill "$device_pid" 2>/dev/null || true; wait "$device_pid" 2>/dev/null || true; }
  device_pid=""
}
trap device_off EXIT
dev() { echo "sim:$out/devices/$1.sock"; }

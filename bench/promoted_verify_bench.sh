#!/usr/bin/env bash
# Promoted-bundle verification benchmark (issue 4): `hallmark-verify bundle` on a promoted
# bundle holding 64 MiB of images (the application natively signed, ESP32 Secure Boot V2),
# against `openssl dgst -sha256` over the same file, in the same run, best of 3 each (whole
# processes on both sides). Goal: ratio <= 1.2 (one pass over the data, no extra copies).
# Then peak RSS of the verifier for 16 MiB and 64 MiB bundles: it must not grow with image
# size. Runs a real init ceremony, approvals and promotion on throwaway SoftHSM tokens.
#
# Usage: bench/promoted_verify_bench.sh BUILD_DIR
set -euo pipefail
# shellcheck source=bench/timing.sh
source "$(dirname "$0")/timing.sh"

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
ceremony=$build/ceremony/hallmark-ceremony
signer=$build/signer/hallmark-signer
verify=$build/verifier/hallmark-verify
for bin in "$ceremony" "$signer" "$verify"; do
  [[ -x $bin ]] || { echo "missing $bin: build first (make build)" >&2; exit 2; }
done
[[ -x /usr/bin/time ]] || { echo "peak memory needs /usr/bin/time: apt-get install time" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/hallmark-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
mib=$((1024 * 1024))
runs=3

# Throwaway tokens and a trust root (PINs by environment variable name, never argv).
mkdir -p "$work/tokens" "$work/history"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
  "$work/tokens" >"$work/softhsm2.conf"
export SOFTHSM2_CONF=$work/softhsm2.conf BENCH_PIN=bench-user-pin BENCH_SO_PIN=bench-so-pin
for label in signer-hsm custodian-alice custodian-bob custodian-carol; do
  "$ceremony" token init --label "$label" --so-pin env:BENCH_SO_PIN --pin env:BENCH_PIN >/dev/null
done
pins=(--pin alice=env:BENCH_PIN --pin bob=env:BENCH_PIN --pin carol=env:BENCH_PIN
      --signer-pin env:BENCH_PIN)
"$ceremony" init --plan "$root/ceremony/examples/plan.textproto" --out-dir "$work" \
  "${pins[@]}" --present alice,bob >/dev/null 2> "$work/init.log"
trust=$work/trust-root-v1.json
# hallmark-verify needs the anchor pinned (the digest the ceremony reads out).
pin=(--pin-digest "$(awk '/anchor digest:/ {print $3}' "$work/init.log")" --channel bench)

# promoted NAME TOTAL_MIB COUNTER: bootloader 1 MiB, data TOTAL/4, application the rest
# (bootloader and application natively signed), two approvals, promotion.
promoted() {
  local name=$1 total=$2 counter=$3 dir=$work/$1
  local data=$((total / 4)) app=$((total - 1 - total / 4))
  mkdir -p "$dir"
  head -c $((1 * mib)) /dev/urandom >"$dir/boot.bin"
  head -c $((app * mib)) /dev/urandom >"$dir/app.bin"
  head -c $((data * mib)) /dev/urandom >"$dir/data.bin"
  cat >"$dir/catalog.textproto" <<CAT
skus { sku: "bench" device_family: "esp32-c6" flash_size: $((256 * mib)) formats: ESP32_SECURE_BOOT_V2 }
CAT
  cat >"$dir/spec.textproto" <<SPEC
sku: "bench"
version: "1.0.$counter"
security_counter: $counter
requester: "be4c000000000000000000000000000000000000000000000000000000000002"
images { name: "boot" path: "boot.bin" role: BOOTLOADER format: ESP32_SECURE_BOOT_V2 flash_address: 0 }
images { name: "app" path: "app.bin" role: APPLICATION format: ESP32_SECURE_BOOT_V2 flash_address: $((1 * mib)) }
images { name: "data" path: "data.bin" role: DATA flash_address: $(((2 + app) * mib)) }
plan { kind: WRITE_IMAGE image: "boot" }
plan { kind: WRITE_IMAGE image: "app" }
plan { kind: WRITE_IMAGE image: "data" }
SPEC
  "$signer" bundle create --spec "$dir/spec.textproto" --catalog "$dir/catalog.textproto" \
    --out "$dir/bundle" >/dev/null 2>&1
  for who in alice bob; do
    "$ceremony" approve "$dir/bundle" --plan "$root/ceremony/examples/plan.textproto" \
      --trust-root "$trust" --custodian "$who" --channel bench --request-id "bench-$counter" \
      --out "$dir/approval-$who.json" --pin "$who=env:BENCH_PIN" >/dev/null 2>&1
  done
  "$signer" promote "$dir/bundle" --approval "$dir/approval-alice.json" \
    --approval "$dir/approval-bob.json" --trust-root "$trust" \
    --key "pkcs11:token=signer-hsm;object=release" --allow-software-token --pin env:BENCH_PIN \
    --history "$work/history" --channel bench --out "$work/$name.promoted" >/dev/null 2>&1
}


echo "preparing: init ceremony, two bundles (16 and 64 MiB of images), approvals, promotions..."
promoted p16 16 1
promoted p64 64 2
file=$work/p64.promoted
cat "$file" >/dev/null  # warm the page cache for both sides

best_verify="" best_openssl=""
for _ in $(seq $runs); do
  t0=$(now); "$verify" bundle "$file" --trust-root "$trust" "${pin[@]}" >/dev/null; t1=$(now)
  best_verify=$(min "$best_verify" "$(elapsed "$t0" "$t1")")
  t0=$(now); openssl dgst -sha256 "$file" >/dev/null; t1=$(now)
  best_openssl=$(min "$best_openssl" "$(elapsed "$t0" "$t1")")
done
bytes=$(stat -c %s "$file")
ratio=$(awk -v a="$best_verify" -v b="$best_openssl" 'BEGIN { printf "%.2f", a / b }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.2) ? "met" : "NOT met" }')
rss16=$(peak_kib "$verify" bundle "$work/p16.promoted" --trust-root "$trust" "${pin[@]}")
rss64=$(peak_kib "$verify" bundle "$file" --trust-root "$trust" "${pin[@]}")
rss_openssl=$(peak_kib openssl dgst -sha256 "$file")
mibps() { awk -v s="$1" -v n="$bytes" 'BEGIN { printf "%.0f", n / 1048576 / s }'; }

printf '\nPromoted-bundle verification (%s, best of %d, bundle file %d MiB)\n' \
  "$(uname -m)" "$runs" $((bytes / mib))
printf '%-46s %9s %8s\n' "" "seconds" "MiB/s"
printf '%-46s %9s %8s\n' "hallmark-verify bundle (whole process)" "$best_verify" "$(mibps "$best_verify")"
printf '%-46s %9s %8s\n' "openssl dgst -sha256 (same file)" "$best_openssl" "$(mibps "$best_openssl")"
printf '%-46s %9s   (goal <= 1.2: %s)\n' "ratio" "$ratio" "$verdict"
printf '\nPeak RSS: verifier %s KiB at 16 MiB of images, %s KiB at 64 MiB; openssl %s KiB\n' \
  "$rss16" "$rss64" "$rss_openssl"

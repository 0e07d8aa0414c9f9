#!/usr/bin/env bash
# Bundle read benchmark (issue 4): reading and checking a bundle that holds 64 MiB of
# images through hallmark::bundle_reader, against `openssl dgst -sha256` over the same image
# bytes, in the same run, best of 3 each (wall time of the whole process for both, so
# start-up costs count on both sides). Goal: ratio <= 1.2. Then peak RSS of the reader for
# 16 MiB and 64 MiB bundles, to show memory does not grow with image size (streaming).
#
# Usage: bench/bundle_read_bench.sh BUILD_DIR     (random images are generated in a temp dir)
set -euo pipefail
# shellcheck source=bench/timing.sh
source "$(dirname "$0")/timing.sh"

build=${1:?usage: $0 BUILD_DIR}
signer=$build/signer/hallmark-signer
reader=$build/bench/bundle_read_bench
for bin in "$signer" "$reader"; do
  [[ -x $bin ]] || { echo "missing $bin: build first (make build)" >&2; exit 2; }
done
command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/hallmark-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
runs=3
mib=$((1024 * 1024))

# make_bundle NAME TOTAL_MIB: bootloader 1 MiB, data TOTAL/4 MiB, application the rest.
make_bundle() {
  local name=$1 total=$2 dir=$work/$1
  local data=$((total / 4)) app=$((total - 1 - total / 4))
  mkdir -p "$dir"
  head -c $((1 * mib)) /dev/urandom >"$dir/boot.bin"
  head -c $((app * mib)) /dev/urandom >"$dir/app.bin"
  head -c $((data * mib)) /dev/urandom >"$dir/data.bin"
  cat >"$dir/catalog.textproto" <<CAT
skus { sku: "bench" device_family: "esp32-s3" flash_size: $((256 * mib)) formats: ESP32_SECURE_BOOT_V2 }
CAT
  cat >"$dir/spec.textproto" <<SPEC
sku: "bench"
version: "1.0.0"
security_counter: 1
requester: "be4c000000000000000000000000000000000000000000000000000000000001"
images { name: "boot" path: "boot.bin" role: BOOTLOADER flash_address: 0 }
images { name: "app" path: "app.bin" role: APPLICATION flash_address: $((1 * mib)) }
images { name: "data" path: "data.bin" role: DATA flash_address: $(((1 + app) * mib)) }
plan { kind: WRITE_IMAGE image: "boot" }
plan { kind: WRITE_IMAGE image: "app" }
plan { kind: WRITE_IMAGE image: "data" }
SPEC
  SOURCE_DATE_EPOCH=0 "$signer" bundle create --spec "$dir/spec.textproto" \
    --catalog "$dir/catalog.textproto" --out "$work/$name.bundle" >/dev/null 2>&1
}


make_bundle b64 64
make_bundle b16 16
images64=("$work/b64/boot.bin" "$work/b64/app.bin" "$work/b64/data.bin")
cat "${images64[@]}" >/dev/null "$work/b64.bundle"  # warm the page cache for both sides

best_reader="" best_openssl="" best_inproc=""
for _ in $(seq $runs); do
  t0=$(now); line=$("$reader" "$work/b64.bundle"); t1=$(now)
  best_reader=$(min "$best_reader" "$(elapsed "$t0" "$t1")")
  best_inproc=$(min "$best_inproc" "$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$line")")
  t0=$(now); openssl dgst -sha256 "${images64[@]}" >/dev/null; t1=$(now)
  best_openssl=$(min "$best_openssl" "$(elapsed "$t0" "$t1")")
done
hashed=$(sed -E 's/.*image_bytes=([0-9]+).*/\1/' <<<"$line")

rss() { "$reader" "$1" | sed -E 's/.*max_rss_kib=([0-9]+).*/\1/'; }
rss16=$(rss "$work/b16.bundle")
rss64=$(rss "$work/b64.bundle")
openssl_rss=$(/usr/bin/time -f '%M' openssl dgst -sha256 "${images64[@]}" 2>&1 >/dev/null | tail -1 || echo "?")

ratio=$(awk -v a="$best_reader" -v b="$best_openssl" 'BEGIN { printf "%.2f", a / b }')
mibps() { awk -v s="$1" -v n="$hashed" 'BEGIN { printf "%.0f", n / 1048576 / s }'; }
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.2) ? "met" : "NOT met" }')

printf '\nBundle read benchmark (%s, best of %d)\n' "$(uname -m)" "$runs"
printf '%-44s %10s %10s\n' "" "seconds" "MiB/s"
printf '%-44s %10s %10s\n' "bundle_reader, 64 MiB of images (process)" "$best_reader" "$(mibps "$best_reader")"
printf '%-44s %10s %10s\n' "  of which read_bundle() itself" "$(printf '%.4f' "$best_inproc")" "$(mibps "$best_inproc")"
printf '%-44s %10s %10s\n' "openssl dgst -sha256, same image bytes" "$best_openssl" "$(mibps "$best_openssl")"
printf '%-44s %10s   (goal <= 1.20: %s)\n' "ratio reader / openssl" "$ratio" "$verdict"
printf '\n%-44s %10s\n' "peak RSS" "KiB"
printf '%-44s %10s\n' "bundle_reader, 16 MiB bundle" "$rss16"
printf '%-44s %10s\n' "bundle_reader, 64 MiB bundle" "$rss64"
printf '%-44s %10s\n' "openssl dgst -sha256, 64 MiB" "$openssl_rss"
printf '%-44s %10s\n' "growth 16 -> 64 MiB" "$((rss64 - rss16))"

#!/usr/bin/env bash
# The evidence store at scale (issue: a year of production). A store grown through the real
# countersign path (real station-signed exports, every check made; 20 000 units per export):
#   - the countersign rate of the last batch against the first (goal >= 0.9)
#   - a serial's history (goal <= 5 ms) and an inclusion proof (goal <= 5 ms) at that size
#   - every unit that received a firmware, as CSV through `hallmark-signer query --csv`:
#     time (goal <= 3 s for 1 M units) and peak memory (flat)
#   - store bytes per unit (goal <= 2 KB, SQLite)
#   - PostgreSQL (its own durable throwaway server) against SQLite on the same batch
#     (goal >= 0.5), and its bytes per unit.
#   - a PostgreSQL store grown the same way (HALLMARK_BENCH_PG_UNITS units; 1 000 000 at full
#     scale, none by default): its first and last batch rates, history and proof latency,
#     bytes per unit.
# Reports, never fails on timing. Needs the test build (make build does).
#
# Usage: bench/store_scale_bench.sh BUILD_DIR
#   quick default: 100 000 units (SQLite), one 20 000-unit batch each for PostgreSQL/SQLite
#   HALLMARK_BENCH_SCALE=full: 10 000 000 units (about 15 minutes of countersigning and 20 GB
#   of disk here); HALLMARK_BENCH_UNITS=N overrides the unit count.
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR}
bench=$build/bench/countersign_bench
signer=$build/signer/hallmark-signer
[[ -x $bench && -x $signer ]] || { echo "missing $bench or $signer: run make build first" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
units=100000
[[ ${HALLMARK_BENCH_SCALE:-} == full ]] && units=10000000
units=${HALLMARK_BENCH_UNITS:-$units}
pg_units=0
[[ ${HALLMARK_BENCH_SCALE:-} == full ]] && pg_units=1000000
pg_units=${HALLMARK_BENCH_PG_UNITS:-$pg_units}
batch=20000
threads=$(nproc)
work=$(mktemp -d /tmp/hallmark-store-bench.XXXXXX)
pg_dir=$work/pg
cleanup() {
  bash "$here/../tests/support/postgres_server.sh" stop "$pg_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

value() { awk -v k="$1" '$1 == k {print $2}' <<<"$2"; }

echo "store at scale: growing a SQLite store to $units units, $batch per export..." >&2
out=$(HALLMARK_BENCH_KEEP_STORE=$work/evidence.db "$bench" scale --units "$units" --batch "$batch" --threads "$threads")
first=$(value first_batch_per_second "$out")
last=$(value last_batch_per_second "$out")
firmware=$(value firmware_hex "$out")
# Every unit received the same firmware: the query lists them all.
read -r csv_s csv_kib csv_rows < <(
  { /usr/bin/time -f '%e %M' "$signer" query --store "$work/evidence.db" --firmware "$firmware" --csv \
      | wc -l >"$work/rows"; } 2>"$work/time"
  echo "$(tail -1 "$work/time") $(cat "$work/rows")")

pg_conninfo=$(HALLMARK_PG_DURABLE=1 bash "$here/../tests/support/postgres_server.sh" start "$pg_dir")
sqlite_batch=$("$bench" run --units "$batch" --threads "$threads")
pg_batch=$("$bench" run --units "$batch" --threads "$threads" --store "postgres:$pg_conninfo")
pg_bytes=$(psql "$pg_conninfo" -Atc "SELECT pg_database_size(current_database())")
if ((pg_units > 0)); then
  echo "store at scale: growing a PostgreSQL store to $pg_units units..." >&2
  psql "$pg_conninfo" -qc "CREATE DATABASE grown" >/dev/null
  grown_conninfo=${pg_conninfo/dbname=hallmark/dbname=grown}
  pg_out=$("$bench" scale --units "$pg_units" --batch "$batch" --threads "$threads" \
    --store "postgres:$grown_conninfo")
  pg_grown_bytes=$(psql "$grown_conninfo" -Atc "SELECT pg_database_size(current_database())")
fi
pg_rate=$(value countersign_per_second "$pg_batch")
sqlite_rate=$(value countersign_per_second "$sqlite_batch")

printf 'evidence store at %s units (%s per export, %s threads)\n' "$(value units "$out")" "$batch" "$threads"
printf '  countersign, SQLite: first batch %8s /s, last batch %8s /s  ratio %.2f (goal >= 0.90)\n' \
  "$first" "$last" "$(awk -v a="$last" -v b="$first" 'BEGIN {print a / b}')"
printf '  serial -> history:   median %s ms, slowest of 200 %s ms (goal <= 5 ms)\n' \
  "$(value serial_history_ms_median "$out")" "$(value serial_history_ms_max "$out")"
printf '  inclusion proof:     median %s ms, slowest of 200 %s ms (goal <= 5 ms)\n' \
  "$(value inclusion_proof_ms_median "$out")" "$(value inclusion_proof_ms_max "$out")"
printf '  firmware -> units:   %s rows of CSV in %s s, peak RSS %s KiB (goal <= 3 s per 1 M units, flat)\n' \
  "$((csv_rows - 1))" "$csv_s" "$csv_kib"
printf '  store size, SQLite:  %s bytes per unit (goal <= 2048)\n' "$(value store_bytes_per_unit "$out")"
printf '  one %s-unit batch:   SQLite %s /s, PostgreSQL %s /s  ratio %.2f (goal >= 0.50)\n' \
  "$batch" "$sqlite_rate" "$pg_rate" "$(awk -v a="$pg_rate" -v b="$sqlite_rate" 'BEGIN {print a / b}')"
printf '  store size, PostgreSQL: %.0f bytes per unit (the whole database after %s units)\n' \
  "$(awk -v a="$pg_bytes" -v b="$batch" 'BEGIN {print a / b}')" "$batch"
if ((pg_units > 0)); then
  printf 'PostgreSQL store at %s units\n' "$(value units "$pg_out")"
  printf '  countersign:         first batch %8s /s, last batch %8s /s  ratio %.2f\n' \
    "$(value first_batch_per_second "$pg_out")" "$(value last_batch_per_second "$pg_out")" \
    "$(awk -v a="$(value last_batch_per_second "$pg_out")" -v b="$(value first_batch_per_second "$pg_out")" 'BEGIN {print a / b}')"
  printf '  serial -> history:   median %s ms, slowest of 200 %s ms\n' \
    "$(value serial_history_ms_median "$pg_out")" "$(value serial_history_ms_max "$pg_out")"
  printf '  inclusion proof:     median %s ms, slowest of 200 %s ms\n' \
    "$(value inclusion_proof_ms_median "$pg_out")" "$(value inclusion_proof_ms_max "$pg_out")"
  printf '  store size:          %.0f bytes per unit (the whole database)\n' \
    "$(awk -v a="$pg_grown_bytes" -v b="$(value units "$pg_out")" 'BEGIN {print a / b}')"
fi

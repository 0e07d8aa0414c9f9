#!/usr/bin/env bash
# make demo: a whole factory day on throwaway SoftHSM tokens and simulated chips — the init
# ceremony, two stations enrolled, two releases promoted by two of three custodians, 54
# units programmed with the exceptions of a night shift, countersigned evidence verified
# with public keys only, traceability, the weekly report and retention, and disaster recovery
# (the signer HSM's keys backed up, the HSM lost, its keys restored by two of three
# custodians and a release promoted with them). Each act is a file
# in scripts/demo/. Exits non-zero if any step does not behave as the demo says.
# Usage: scripts/demo.sh BUILD_DIR.
set -euo pipefail

build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
out="${HALLMARK_DEMO_OUT:-$root/demo-out}"
started=$SECONDS

rm -rf "$out"
mkdir -p "$out/tokens" "$out/keys" "$out/ceremony" "$out/station" "$out/firmware" \
  "$out/release/history" "$out/evidence" "$out/refused"
cat > "$out/softhsm2.conf" <<CONF
directories.tokendir = $out/tokens
objectstore.backend = file
log.level = ERROR
CONF
export SOFTHSM2_CONF="$out/softhsm2.conf"

source "$root/scripts/demo/common.sh"
for act in 1-ceremony 2-release 3-factory 4-evidence 5-refusals 6-recovery readme; do
  source "$root/scripts/demo/$act.sh"
done
write_demo_readme

step "Done in $((SECONDS - started)) s"
echo "Artifacts and the commands that check them: $out/README.md"

# The last act: demo-out/README.md, what each artifact is and the command that checks it.
write_demo_readme() {
  local v="hallmark-verify" t="--trust-root ceremony/trust-root-v1.json --pin-digest $anchor"
  local sensor_digest
  sensor_digest=$(awk -F, 'NR == 2 {print $9}' "$out/evidence/units-sensor-c6.csv")
  cat > "$out/README.md" <<MD
# demo-out: one factory day, on throwaway SoftHSM tokens and simulated chips

Made by \`make demo\` ($(date -u '+%Y-%m-%d %H:%M UTC')). Every file below can be checked with
public keys only; run the commands from this directory (\`$v\` is in \`$build/verifier/\`).
\`$v\` refuses a trust root whose anchor is not pinned: the commands below pin it with
\`--pin-digest\` (or: \`export HALLMARK_ANCHOR=\$PWD/ceremony/anchor.sha256\`).
The tokens and PINs are throwaway: never use them for anything real.

For auditors, start with **report/index.html**: the week's indicators per station, their
trend, the releases and the units that need a look, each with its manifests.

<!-- docs-test: run table -->
| file | what it is | check it with |
|---|---|---|
| ceremony/plan.textproto | the init ceremony's plan: custodians, thresholds, signer HSM keys | (input) |
| ceremony/trust-root-v1.json | trust root v1, signed by alice and bob (2 of 3) | \`$v trust-root ceremony/trust-root-v1.json --pin-digest $anchor\` |
| ceremony/anchor.sha256 | the anchor digest the init ceremony read out: what an auditor pins (\`--pin-digest\`, or installed as /etc/hallmark/anchor.sha256 or named by \$HALLMARK_ANCHOR) | compare it out of band |
| ceremony/trust-root-v1.transcript.json | the ceremony transcript, signed | \`$v transcript ceremony/trust-root-v1.transcript.json $t\` |
| keys/*.pem, keys/*.txt | custodian and station public keys; key provenance | (public keys) |
| station/station-N.request.json | enrollment requests (station key + device-CA key, proof of possession) | \`$v envelope station/station-1.request.json --key keys/station-1.pem\` |
| station/station-N.registration.json | registrations signed by a root quorum (bob, carol) | (checked by install-registration and countersign) |
| firmware/ | the sample firmware and the bundle specs and catalogue | (input) |
| release/*.bundle | release bundles as built, before approval | \`hallmark-signer bundle show release/sensor-c6-1.0.0.bundle\` |
| release/*.approval-{alice,bob}.json | the custodians' promotion approvals | (carried inside the promoted bundles) |
| release/*.promoted.bundle | promoted bundles: native signatures, release signature, approvals, trust root | \`$v bundle release/sensor-c6-1.0.0.promoted.bundle $t\` |
| release/history/ | the signer's promotion history (anti-rollback) | |
| people/*.pub.pem, people/roster.textproto | the staff's card public keys and the roster spec the station admin wrote | (input) |
| people/roster-v1.json | the person roster: who may work at which station, signed by a root quorum (alice, bob) | \`$v envelope people/roster-v1.json --key keys/alice.pem --key keys/bob.pem --threshold 2\` |
| station-N/ | each station's state: policy, pinned trust root, registration, intake cache, journal | |
| station/station-N.export.pb | each station's journal export with a checkpoint signed by its station key | \`$v journal station/station-1.export.pb --station-key keys/station-1.pem\` |
| evidence/evidence.db | the signer's evidence log and traceability store (SQLite) | \`hallmark-signer query --store evidence/evidence.db --serial SN-0035\` |
| evidence/manifests/*.manifest.json | one manifest per unit event, with its inclusion proof, checkpoint and station registration | \`$v manifest evidence/manifests/SN-0001.*.manifest.json $t\` |
| (same) | a unit's identity certificate, issued by its station's device-CA key | \`$v device evidence/manifests/SN-1005.*.manifest.json $t\` |
| evidence/units-*.csv | which units received each release (the CRA question) | \`hallmark-signer query --store evidence/evidence.db --firmware $sensor_digest --csv\` |
| evidence/report-*.{txt,json} | the week's indicators per station | \`hallmark-signer report --store evidence/evidence.db --week $week\` |
| report/index.html | the auditor's report as a static site (open it in a browser; it loads nothing from the network): what needs attention, each indicator's trend over 12 weeks per station, each release and where its units were made, each unit with an exception with its history, manifests and the command that verifies them | \`hallmark-signer report --store evidence/evidence.db --week $week --html report\` |
| evidence/exceptions-$week.{txt,csv,json} | the week's exceptions (failures, reworks, scraps, line stops, break-glass, take-overs, findings) with who and why | \`hallmark-signer query --store evidence/evidence.db --exceptions --week $week\` (add \`--csv\`, or \`--json\` before \`query\`) |
| evidence/retention/hallmark-log-DAY.segment | today's write-once retention segment | \`$v log evidence/retention/hallmark-log-*.segment $t\` |
| backup/backup-manifest.json | the backup of the signer HSM's keys: wrapped under a key split among alice, bob and carol, signed by them | \`$v envelope backup/backup-manifest.json --key keys/alice.pem --key keys/bob.pem --threshold 2\` |
| backup/backup-manifest.transcript.json | the backup ceremony's transcript (who took part, key ids, share numbers and commitments; no share or key bytes) | \`$v transcript backup/backup-manifest.transcript.json $t\` |
| backup/share-{alice,bob,carol}.hshare | each custodian's share, sealed under their passphrase (\$DEMO_PASSPHRASE here); any two restore | (opened only by the restore ceremony, with its passphrase) |
| backup/restore.transcript.json | the restore after the signer HSM was deleted: alice and bob, key ids checked against trust root v1 | \`$v transcript backup/restore.transcript.json $t\` |
| release/sensor-c6-1.0.1.promoted.bundle | promoted with the restored release key, verified with the unchanged trust root | \`$v bundle release/sensor-c6-1.0.1.promoted.bundle $t\` |
| statement.dsse.json | a document co-signed by alice and bob | \`$v envelope statement.dsse.json --key keys/alice.pem --key keys/bob.pem --threshold 2\` |
| refused/ | the tampered and refused inputs of the refusals act (and refused/share-bob.hshare, a share with one byte changed, refused by the restore) (each check above refuses them), among them refused/station-1-forged, a copy of station-1 whose journal holds a copied break-glass (its line no longer opens), and refused/station-1-revoked, a copy of station-1 that took in its own revocation (it programs nothing more) | |
| tokens/, softhsm2.conf, devices/ | the throwaway SoftHSM tokens and simulated chips | |
| bin/hallmark-station | the stations' command with a simulated NTP-disciplined clock (below) | |

The stations' clocks: a factory's stations run NTP or PTP, and every attestation records
whether the kernel considered the clock synchronised. The machine that made this demo may
not discipline its clock, so the demo's stations run through \`bin/hallmark-station\`, which
preloads \`libhallmark-devsim-clock.so\` (a simulated synchronised clock, like the simulated
chips; the time itself is the machine's). Without it every event would carry a
CLOCK_UNSYNCED finding and hide the findings that matter.

The guides (docs/guides/) write the paths of a real installation. Here they are:

| in the guides | in this directory |
|---|---|
| /var/lib/hallmark-station (a station's state) | station-1/, station-2/ |
| the station's token, \`pkcs11:token=station-1\` | tokens/ (SoftHSM, PIN in \$DEMO_PIN) |
| a person's card, \`pkcs11:token=person-olga\` | tokens/ (one SoftHSM token per person) |
| sim:/run/devsim/unit.sock | sim:devices/*.sock (while the demo's chips run) |
| evidence.db, manifests/ | evidence/evidence.db, evidence/manifests/ |
| the trust root, /etc/hallmark/anchor.sha256 | ceremony/trust-root-v1.json, ceremony/anchor.sha256 |
| skus.textproto, the bundle spec | firmware/catalog.textproto, firmware/sensor-c6.textproto |
| roster.textproto, roster-v1.json | people/roster.textproto, people/roster-v1.json |
MD
}

// Attacks on the trust path: what a station, an auditor or a custodian trusts must come
// from one load_trust() with the pinned anchor, every revocation and the reference time.
// Each case builds the attack with the product's own formats (real ceremonies, SoftHSM
// tokens, hallmark-devsim devices, the built binaries) and shows it refused.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "ceremony/src/revoke_ceremony.h"
#include "signer/bundle/bundle_writer.h"
#include "station-agent/station/intake.h"
#include "station-agent/station/station_history.h"
#include "tests/line/line_test_support.h"
#include "tests/support/run_command.h"
#include "verifier/core/dsse.h"
#include "verifier/trust/trust.h"

namespace hallmark::line::testing {
namespace {

namespace fs = std::filesystem;
using hallmark::testing::run_command;
using hallmark::testing::shell_quote;
using intake::testing::mentions;

// A revocation signed by alice and carol (a root quorum of the World's trust root v1).
v1::Envelope revoke(const World& w, ceremony::RevokeRequest request) {
  promote::testing::RecordingUi ui;
  ceremony::CeremonyContext context{ui, hallmark::testing::fixed_clock(w.now - 20),
                                    {"alice", "carol"}};
  const std::vector<v1::Envelope> chain{w.v1_root};
  ceremony::RevokeInput in{chain, {}, &w.plan, std::move(request)};
  auto outcome = ceremony::run_revoke(in, context);
  REQUIRE_MESSAGE(outcome.ok(), (outcome.error ? outcome.error->message : ""));
  return *outcome.document;
}

v1::Envelope revoke_bundle(const World& w, const fs::path& promoted) {
  auto contents = bundle::read_bundle(promoted);
  REQUIRE(contents);
  return revoke(w, {{}, {}, {}, {contents->bundle_digest.hex()}, "bad build", std::nullopt});
}

std::string digest_hex(const v1::Envelope& e) {
  return verifier::sha256(as_bytes(e.payload()))->hex();
}

// The records of `line`'s journal of kind `event`.
std::vector<v1::Attestation> events(const station::StationLine& line,
                                    v1::Attestation::Event event) {
  std::vector<v1::Attestation> out;
  auto cursor = line.journal().records_since(0);
  REQUIRE(cursor);
  while (true) {
    auto entry = cursor->next();
    REQUIRE(entry);
    if (!entry->has_value()) break;
    auto a = station::verify_event((*entry)->attestation_envelope, line.keys().station_key);
    REQUIRE(a);
    if (a->event() == event) out.push_back(*a);
  }
  return out;
}

std::string verify_bin() { return HALLMARK_VERIFY_BIN; }

TEST_CASE("a revoked bundle is refused by program after intake") {
  LineWorld lw;
  auto line = lw.open_line();
  lw.staff(*line);
  const auto release = lw.release(*line);  // loaded before the revocation
  line.reset();
  const auto revocation = revoke_bundle(lw.w, lw.promoted);
  lw.w.dir.write("revoke.json", verifier::envelope_to_json(revocation));
  // Given at intake (with the same bundle: the intake itself is refused, the revocation kept).
  const verifier::TrustDocument doc{"revoke.json", revocation};
  auto taken = station::intake_bundle(lw.state, lw.promoted, std::span(&doc, 1), lw.w.now);
  REQUIRE_FALSE(taken);
  CHECK(mentions(taken.error(), "is revoked by revocation"));
  CHECK(mentions(taken.error(), digest_hex(revocation)));  // kept in the state directory

  line = lw.open_line();
  const auto before = line->journal().head().sequence;
  auto loaded = station::load_release(*line, kSku);
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code == ErrorCode::kPolicyRefused);
  CHECK(mentions(loaded.error(), "revoked by revocation"));
  CHECK(mentions(loaded.error(), digest_hex(revocation)));
  // A release loaded earlier is refused too, before the device is touched.
  auto sim = lw.device("HW-REVOKED");
  auto outcome = try_program(*line, release, *sim, "SN-REVOKED");
  REQUIRE_FALSE(outcome);
  CHECK(mentions(outcome.error(), "revoked by revocation"));
  CHECK(line->history().unit(HardwareId("HW-REVOKED")).value() == nullptr);
  CHECK(line->journal().head().sequence == before);
}

TEST_CASE("a revocation given at intake survives a restart") {
  LineWorld lw;
  {
    auto line = lw.open_line();  // the journal exists before the revocation arrives
  }
  const auto revocation = revoke_bundle(lw.w, lw.promoted);
  const verifier::TrustDocument doc{"revoke.json", revocation};
  (void)station::intake_bundle(lw.state, lw.promoted, std::span(&doc, 1), lw.w.now);
  const fs::path stored = station::revocations_dir(lw.state) / (digest_hex(revocation) + ".json");
  REQUIRE(fs::exists(stored));

  // The next open journals it: the evidence shows the revocation in force.
  {
    auto line = lw.open_line();
    const auto installed = events(*line, v1::Attestation::REVOCATION_INSTALLED);
    REQUIRE(installed.size() == 1);
    auto carried = verifier::parse_envelope_json(installed[0].signed_statement());
    REQUIRE(carried);
    CHECK(carried->payload() == revocation.payload());
    CHECK_FALSE(station::load_release(*line, kSku));
  }
  // Reopened again: journaled once, still in force.
  {
    auto line = lw.open_line();
    CHECK(events(*line, v1::Attestation::REVOCATION_INSTALLED).size() == 1);
    CHECK_FALSE(station::load_release(*line, kSku));
  }
  // Someone holding the state directory deletes the stored file: the journal still holds it.
  fs::permissions(station::revocations_dir(lw.state), fs::perms::owner_all);
  fs::remove(stored);
  auto line = lw.open_line();
  auto loaded = station::load_release(*line, kSku);
  REQUIRE_FALSE(loaded);
  CHECK(mentions(loaded.error(), "journaled"));
}

TEST_CASE("a revoked station programs nothing, and still opens for status and export") {
  LineWorld lw;
  auto line = lw.open_line();
  lw.staff(*line);
  const auto release = lw.release(*line);
  const auto revocation = revoke(lw.w, {{}, {}, {kStationId}, {}, "decommissioned", std::nullopt});
  auto record = line->install_revocation({"revoke-station.json", revocation});
  REQUIRE_MESSAGE(record, (record ? "" : record.error().message));
  REQUIRE(record->has_value());
  auto sim = lw.device("HW-AFTER");
  auto outcome = try_program(*line, release, *sim, "SN-AFTER");
  REQUIRE_FALSE(outcome);
  CHECK(mentions(outcome.error(), "station 'station-1' is revoked by revocation"));
  CHECK(mentions(outcome.error(), "decommissioned"));
  // Installing it again changes nothing.
  auto again = line->install_revocation({"revoke-station.json", revocation});
  REQUIRE(again);
  CHECK_FALSE(again->has_value());
  line.reset();
  CHECK(lw.open_line() != nullptr);
}

TEST_CASE("a revocation not signed by a root quorum is refused and stored nowhere") {
  LineWorld lw;
  auto genuine = revoke_bundle(lw.w, lw.promoted);
  genuine.mutable_signatures()->RemoveLast();  // one custodian's signature left
  const verifier::TrustDocument doc{"forged.json", genuine};
  auto taken = station::intake_bundle(lw.state, lw.promoted, std::span(&doc, 1), lw.w.now);
  REQUIRE_FALSE(taken);
  CHECK(mentions(taken.error(), "forged.json"));
  CHECK_FALSE(fs::exists(station::revocations_dir(lw.state)));
}

TEST_CASE("an unpinned self-signed trust root is refused by hallmark-verify") {
  World w;
  const fs::path v1 = w.dir.write("trust-root-v1.json", verifier::envelope_to_json(w.v1_root));
  const std::string digest = digest_hex(w.v1_root);
  const std::string cmd = "env -u HALLMARK_ANCHOR " + shell_quote(verify_bin()) + " trust-root " +
                          shell_quote(v1.string());
  auto unpinned = run_command(cmd);
  CHECK(unpinned.exit_code == 1);
  CHECK(unpinned.err.find("not pinned") != std::string::npos);
  CHECK(unpinned.err.find("--pin-digest " + digest) != std::string::npos);  // what to do
  auto pinned = run_command(cmd + " --pin-digest " + digest);
  CHECK_MESSAGE(pinned.exit_code == 0, pinned.err);
  CHECK(pinned.out.find("anchor " + digest) != std::string::npos);
  // An installed anchor file pins it too, and the OK line names the file.
  const fs::path anchor = w.dir.write("anchor.sha256", digest + "\n");
  auto installed = run_command("HALLMARK_ANCHOR=" + shell_quote(anchor.string()) + " " +
                               shell_quote(verify_bin()) + " trust-root " +
                               shell_quote(v1.string()));
  CHECK_MESSAGE(installed.exit_code == 0, installed.err);
  CHECK(installed.out.find("pinned by " + anchor.string()) != std::string::npos);
  // Another root (here: ours with a longer validity, signatures carried over) is refused
  // under that pin before anything else is looked at.
  v1::TrustRoot changed;
  REQUIRE(changed.ParseFromString(w.v1_root.payload()));
  changed.set_expires_unix(changed.expires_unix() + 86400);
  v1::Envelope other = w.v1_root;
  other.set_payload(changed.SerializeAsString());
  const fs::path theirs = w.dir.write("theirs.json", verifier::envelope_to_json(other));
  auto refused = run_command("HALLMARK_ANCHOR=" + shell_quote(anchor.string()) + " " +
                             shell_quote(verify_bin()) + " trust-root " +
                             shell_quote(theirs.string()));
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("does not match the pinned digest") != std::string::npos);
}

TEST_CASE("a bundle promoted on another channel is refused by intake and hallmark-verify bundle") {
  LineWorld lw;
  World& w = lw.w;
  const auto bundle = w.make_bundle("beta.bundle", "1.3.0", 3, "rm-erin", 11, full_plan);
  promote::testing::RecordingUi ui_a, ui_b;
  auto alice = w.approve(bundle, "alice", ui_a, "beta");
  auto bob = w.approve(bundle, "bob", ui_b, "beta");
  REQUIRE(alice);
  REQUIRE(bob);
  auto in = w.input(bundle, {{"a.json", *alice}, {"b.json", *bob}}, "beta.promoted.bundle");
  in.channel = "beta";
  auto prepared = promote::prepare_promotion(std::move(in));
  REQUIRE_MESSAGE(prepared, (prepared ? "" : prepared.error().message));
  auto promoted = promote::finish_promotion(*prepared, w.release().key);
  REQUIRE_MESSAGE(promoted, (promoted ? "" : promoted.error().message));
  const fs::path file = w.path("beta.promoted.bundle");

  auto taken = station::intake_bundle(lw.state, file, {}, w.now);
  REQUIRE_FALSE(taken);
  CHECK(mentions(taken.error(), "promoted on channel 'beta'"));

  const std::string digest = digest_hex(w.v1_root);
  const fs::path v1 = w.dir.write("trust-root-v1.json", verifier::envelope_to_json(w.v1_root));
  const std::string cmd = shell_quote(verify_bin()) + " bundle " + shell_quote(file.string()) +
                          " --trust-root " + shell_quote(v1.string()) + " --pin-digest " + digest;
  auto refused = run_command(cmd);
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("channel 'beta'") != std::string::npos);
  auto beta = run_command(cmd + " --channel beta");
  CHECK_MESSAGE(beta.exit_code == 0, beta.err);

  // A station that takes beta takes it.
  lw.w.dir.write("state/policy.textproto",
                 "allowed_skus: \"combo-1\"\nallowed_channels: \"beta\"\n");
  auto beta_station = station::intake_bundle(lw.state, file, {}, w.now);
  CHECK_MESSAGE(beta_station, (beta_station ? "" : beta_station.error().message));
}

TEST_CASE("a release signed for another channel than its approvals is refused") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  promote::testing::RecordingUi ui_a, ui_b;
  auto alice = w.approve(bundle, "alice", ui_a, "beta");
  auto bob = w.approve(bundle, "bob", ui_b, "beta");
  REQUIRE(alice);
  REQUIRE(bob);
  auto in = w.input(bundle, {{"a.json", *alice}, {"b.json", *bob}}, "r.promoted.bundle");
  in.channel = "beta";
  auto prepared = promote::prepare_promotion(std::move(in));
  REQUIRE(prepared);
  prepared->input.channel = "production";  // a signer that relabels what was approved
  auto promoted = promote::finish_promotion(*prepared, w.release().key);
  REQUIRE_FALSE(promoted);
  CHECK(mentions(promoted.error(), "approved channel 'beta', not 'production'"));
  CHECK_FALSE(fs::exists(w.path("r.promoted.bundle")));
}

TEST_CASE("a requester approving their own promotion under another name is refused") {
  World w;
  // bob asks for the release by his card's key id, not by the name on his cards.
  const auto bundle = w.make_bundle("r.bundle", "1.2.0", 3, "bob");
  promote::testing::RecordingUi ui;
  auto refused = w.approve(bundle, "bob", ui);
  REQUIRE_FALSE(refused);
  CHECK(mentions(refused.error(), "requested this bundle"));
  auto by_hand = w.hand_signed(w.statement_for(bundle), "custodian-bob");
  auto r = w.promote(bundle, {w.approval(bundle, "alice"), by_hand});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kPolicyRefused);
  CHECK(mentions(r.error(), "requested this bundle"));
  // A name typed into the spec is not an identity: refused when the bundle is made.
  auto spec = w.spec("1.2.0", 3, "bob", 1);
  spec.set_requester("Bob");
  auto made = bundle::create_bundle(spec, w.dir.path(), w.catalog, w.path("typed.bundle"),
                                    w.now - 30);
  REQUIRE_FALSE(made);
  CHECK(mentions(made.error(), "not a key id"));
}

}  // namespace
}  // namespace hallmark::line::testing

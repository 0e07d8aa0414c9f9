// hallmark-verify manifest's library check (verify_manifest_file) and the checkpoint check
// under it, against manifests made by a small log built in the test. Each refusal test is
// named after the attack or fault it stops.
#include "verifier/log/manifest_file.h"

#include <doctest/doctest.h>
#include <google/protobuf/util/json_util.h>

#include "tests/log/evidence_fixture.h"
#include "tests/support/trusted_root_access.h"
#include "tests/support/text.h"
#include "verifier/core/document.h"
#include "verifier/log/log_checkpoint.h"

namespace hv = hallmark::verifier;
namespace v1 = hallmark::v1;
namespace tt = hallmark::trust_testing;
using namespace hallmark::log_testing;
using hallmark::ErrorCode;
using hallmark::testing::contains;

namespace {

TestLog small_log() {
  TestLog log;
  log.append_manifests(11, "SN-");
  return log;
}

std::string refusal(const v1::ManifestFile& file) {
  auto verified = hv::verify_manifest_file(file, trusted_root());
  REQUIRE_FALSE(verified.has_value());
  CHECK(verified.error().code == ErrorCode::kVerificationFailed);
  return verified.error().message;
}

std::string refusal_under(const hv::TrustedRoot& root, const v1::ManifestFile& file) {
  auto verified = hv::verify_manifest_file(file, root);
  REQUIRE_FALSE(verified.has_value());
  CHECK(verified.error().code == ErrorCode::kVerificationFailed);
  return verified.error().message;
}

// Logs `m` as entry 11 of a copy of small_log() and returns its manifest file.
v1::ManifestFile logged(const v1::ProvisioningManifest& m) {
  TestLog log = small_log();
  const auto bytes = hv::deterministic_bytes(m);
  log.append(std::string(hallmark::as_chars(bytes)));
  return log.manifest_file(11, log.size());
}

}  // namespace

TEST_CASE("a manifest in the signed log with a matching station attestation verifies") {
  const TestLog log = small_log();
  for (std::uint64_t index : {0u, 5u, 10u}) {
    auto verified = hv::verify_manifest_file(log.manifest_file(index, log.size()), trusted_root());
    REQUIRE_MESSAGE(verified.has_value(), verified.error().message);
    CHECK(verified->manifest.serial() == "SN-" + std::to_string(index));
    CHECK(verified->attestation.serial() == verified->manifest.serial());
    CHECK(verified->station_id == hallmark::StationId("st-1"));
    CHECK(verified->leaf_index == index);
    CHECK(verified->checkpoint.tree_size() == 11);
  }
  // Against a later checkpoint of the grown log too.
  TestLog grown = small_log();
  grown.append_manifests(9, "SN-B-");
  CHECK(hv::verify_manifest_file(grown.manifest_file(3, grown.size()), trusted_root()).has_value());
}

TEST_CASE("a manifest byte changed after countersigning is refused") {
  auto file = small_log().manifest_file(4, 11);
  std::string bytes = file.manifest();
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
  file.set_manifest(bytes);
  CHECK(contains(refusal(file), "not in the evidence log"));
}

TEST_CASE("an inclusion proof for another leaf is refused") {
  const TestLog log = small_log();
  auto file = log.manifest_file(4, 11);
  *file.mutable_inclusion() = log.manifest_file(5, 11).inclusion();
  CHECK(contains(refusal(file), "not in the evidence log"));
  // The right proof moved to another index does not verify either.
  file = log.manifest_file(4, 11);
  file.mutable_inclusion()->set_leaf_index(5);
  CHECK(contains(refusal(file), "not in the evidence log"));
}

TEST_CASE("a checkpoint signed by a non-evidence key is refused") {
  const TestLog log = small_log();
  auto file = log.manifest_file(2, 11);
  file.set_checkpoint_envelope(checkpoint_json(11, log.root(11), {&tt::release_key()}));
  CHECK(contains(refusal(file), "EVIDENCE"));
  file.set_checkpoint_envelope(checkpoint_json(11, log.root(11), {&tt::mallory()}));
  CHECK(contains(refusal(file), "EVIDENCE"));
}

TEST_CASE("a checkpoint of a different tree is refused") {
  TestLog log = small_log();
  auto file = log.manifest_file(2, 11);
  log.append_manifests(1, "SN-late-");
  // The next checkpoint (size 12) with the proof for size 11.
  file.set_checkpoint_envelope(log.checkpoint(12));
  CHECK(contains(refusal(file), "do not belong together"));
  // A checkpoint of size 11 over another log.
  TestLog other;
  other.append_manifests(11, "XX-");
  file.set_checkpoint_envelope(other.checkpoint(11));
  CHECK(contains(refusal(file), "not in the evidence log"));
}

TEST_CASE("a checkpoint with a malformed root or an unparsable payload is refused") {
  auto file = small_log().manifest_file(2, 11);
  v1::LogCheckpoint c;
  c.set_tree_size(11);
  c.set_root_hash("short");
  file.set_checkpoint_envelope(
      hv::envelope_to_json(tt::sign("log-checkpoint", c, {&evidence_key()})));
  CHECK(contains(refusal(file), "not 32"));
  file.set_checkpoint_envelope("{}");
  CHECK(contains(refusal(file), "not a DSSE envelope"));
}

TEST_CASE("a checkpoint of another log (another origin), signed by the evidence key, is refused") {
  const TestLog log = small_log();
  auto file = log.manifest_file(2, 11);
  v1::LogCheckpoint c;
  c.set_origin("another-log");
  c.set_tree_size(11);
  c.set_root_hash(std::string(hallmark::as_chars(log.root(11).bytes())));
  c.set_time_unix(kNow);
  file.set_checkpoint_envelope(
      hv::envelope_to_json(tt::sign("log-checkpoint", c, {&evidence_key()})));
  CHECK(contains(refusal(file), "origin \"another-log\""));
}

TEST_CASE("an attestation that does not match the manifest (serial changed) is refused") {
  auto m = manifest("SN-77", tt::station_key());
  m.set_serial("SN-78");  // the log holds a manifest claiming another serial
  CHECK(contains(refusal(logged(m)), "serial 'SN-77'"));

  auto other_result = manifest("SN-79", tt::station_key());
  other_result.set_result(v1::Attestation::FAIL);
  CHECK(contains(refusal(logged(other_result)), "result"));

  auto other_bundle = manifest("SN-80", tt::station_key());
  other_bundle.set_bundle_digest(std::string(32, '\x43'));
  CHECK(contains(refusal(logged(other_bundle)), "bundle digest"));
}

TEST_CASE("a copied record: an attestation the station signed for another journal record is "
          "refused") {
  auto m = manifest("SN-83", tt::station_key());
  auto a = attestation_of(m);
  a.set_monotonic_counter(m.station_sequence() - 3);  // signed for record 4, logged as 7
  *m.mutable_attestation_envelope() = attestation_envelope(a, tt::station_key());
  CHECK(contains(refusal(logged(m)), "a copied record"));
}

TEST_CASE("an attestation signed by another station's key is refused") {
  CHECK(contains(refusal(logged(manifest("SN-81", other_station_key()))), "not signed by station"));
}

TEST_CASE("a manifest naming another station than the registration is refused") {
  auto m = manifest("SN-82", tt::station_key());
  m.set_station_id("st-2");
  auto a = attestation_of(m);
  *m.mutable_attestation_envelope() = attestation_envelope(a, tt::station_key());
  CHECK(contains(refusal(logged(m)), "registration given is for station 'st-1'"));
}

TEST_CASE("a station registration not signed by a root quorum is refused") {
  auto file = small_log().manifest_file(1, 11);
  auto envelope = hv::parse_envelope_json(file.station_registration());
  REQUIRE(envelope.has_value());
  envelope->mutable_signatures()->RemoveLast();  // one custodian only
  file.set_station_registration(hv::envelope_to_json(*envelope));
  CHECK(contains(refusal(file), "station registration"));
}

TEST_CASE("checkpoint alone: evidence signature accepted, other roles and payloads refused") {
  const TestLog log = small_log();
  auto ok = hv::verify_log_checkpoint(log.checkpoint(11), trusted_root());
  REQUIRE_MESSAGE(ok.has_value(), ok.error().message);
  CHECK(ok->root == log.root(11));
  CHECK(ok->key_ids == std::vector<std::string>{evidence_key().pub.key_id()});
  // A trust-root payload signed by the evidence key is not a checkpoint.
  v1::LogCheckpoint c;
  const auto wrong_type = hv::envelope_to_json(
      hallmark::verifier::testing::make_envelope(hv::payload_type_of("trust-root"),
                                                 hallmark::as_chars(hv::deterministic_bytes(c)),
                                                 {&evidence_key()}));
  CHECK_FALSE(hv::verify_log_checkpoint(wrong_type, trusted_root()).has_value());
}

// ---- The manifest file's JSON (verifier/core/json_rules.h) ----

namespace {

std::string manifest_json(const v1::ManifestFile& file) {
  std::string json;
  REQUIRE(google::protobuf::util::MessageToJsonString(file, &json).ok());
  REQUIRE(json.front() == '{');
  return json;
}

}  // namespace

TEST_CASE("a manifest file with a field given twice is refused, not read as its last copy") {
  const TestLog log = small_log();
  const std::string json = manifest_json(log.manifest_file(2, log.size()));
  // A second "manifest" naming another leaf: a reader letting the last one win would verify
  // the second against a proof that was made for the first.
  const std::string doubled = "{\"manifest\":\"AAAA\"," + json.substr(1);
  auto parsed = hv::parse_manifest_file_json(doubled, "SN-2.2.manifest.json");
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().code == ErrorCode::kVerificationFailed);
  CHECK(contains(parsed.error().message, "SN-2.2.manifest.json"));
  CHECK(contains(parsed.error().message, "\"manifest\" given twice"));
}

TEST_CASE("a manifest file with a field a newer signer added still reads and verifies") {
  const TestLog log = small_log();
  const std::string json = manifest_json(log.manifest_file(2, log.size()));
  const std::string newer = "{\"addedByANewerSigner\":{\"note\":\"x\",\"n\":[1,2]}," + json.substr(1);
  auto parsed = hv::parse_manifest_file_json(newer, "SN-2.2.manifest.json");
  REQUIRE_MESSAGE(parsed.has_value(), parsed.error().message);
  auto verified = hv::verify_manifest_file(*parsed, trusted_root());
  REQUIRE_MESSAGE(verified.has_value(), verified.error().message);
  CHECK(verified->manifest.serial() == "SN-2");
}

TEST_CASE("a truncated manifest file is refused with its name and no parser dump") {
  const TestLog log = small_log();
  const std::string json = manifest_json(log.manifest_file(2, log.size()));
  auto parsed = hv::parse_manifest_file_json(json.substr(0, json.size() / 2), "SN-2.2.manifest.json");
  REQUIRE_FALSE(parsed.has_value());
  CHECK(contains(parsed.error().message, "SN-2.2.manifest.json is not valid JSON"));
}

// ---- Revocations take effect at a time the station cannot set ----

namespace {

// trusted_root() with a revocation of station st-1 issued at `issued` and effective at
// `effective` (0: a revocation written before effective times existed).
hv::TrustedRoot with_station_revoked(std::int64_t issued, std::int64_t effective) {
  hv::TrustedRoot root = trusted_root();
  auto r = tt::revocation(1);
  r.set_issued_unix(issued);
  r.set_effective_unix(effective);
  r.set_reason("station stolen");
  r.add_station_ids("st-1");
  auto applied = hv::TrustedRootTestAccess::add_revocation(
      root, tt::sign("revocation", r, {&tt::alice(), &tt::bob()}));
  REQUIRE_MESSAGE(applied.has_value(), applied.error().message);
  return root;
}

}  // namespace

TEST_CASE("a station revocation does not rewrite history: evidence countersigned before it "
          "verifies, with a note") {
  const TestLog log = small_log();  // countersigned at kNow - 60
  const hv::TrustedRoot root = with_station_revoked(kNow - 10, kNow - 30);
  auto verified = hv::verify_manifest_file(log.manifest_file(2, log.size()), root);
  REQUIRE_MESSAGE(verified.has_value(), verified.error().message);
  REQUIRE(verified->station->revocation_notes.size() == 1);
  CHECK(contains(verified->station->revocation_notes[0], "is revoked from"));
  CHECK(contains(verified->station->revocation_notes[0], "station stolen"));
  CHECK(contains(verified->station->revocation_notes[0], "before, and stands"));
}

TEST_CASE("evidence countersigned at or after a station revocation's effective time is refused") {
  const TestLog log = small_log();
  for (std::int64_t effective : {kNow - 60, kNow - 59, kNow - 30}) {
    CAPTURE(effective);
    const hv::TrustedRoot root = with_station_revoked(kNow - 20, effective);
    // countersigned at kNow - 60: refused when the revocation is effective then or earlier.
    auto verified = hv::verify_manifest_file(log.manifest_file(2, log.size()), root);
    CHECK(verified.has_value() == (effective > kNow - 60));
  }
  const hv::TrustedRoot root = with_station_revoked(kNow - 20, kNow - 61);
  const std::string why = refusal_under(root, log.manifest_file(2, log.size()));
  CHECK(contains(why, "is revoked from"));
  CHECK(contains(why, "station stolen"));
}

TEST_CASE("a station's own clock cannot place its evidence before a revocation: the signer's "
          "countersign time decides") {
  // The station dates its event long before the revocation (event_unix kNow - 600); the
  // signer countersigned it at kNow - 60, after the revocation took effect at kNow - 100.
  const TestLog log = small_log();
  const hv::TrustedRoot root = with_station_revoked(kNow - 50, kNow - 100);
  const v1::ManifestFile file = log.manifest_file(2, log.size());
  v1::ProvisioningManifest m;
  REQUIRE(m.ParseFromString(file.manifest()));
  REQUIRE(m.event_unix() < kNow - 100);
  CHECK(contains(refusal_under(root, file), "countersigned at"));
}

TEST_CASE("a revocation without an effective time keeps its old meaning: all evidence refused") {
  const TestLog log = small_log();
  const hv::TrustedRoot root = with_station_revoked(kNow - 10, 0);
  CHECK(contains(refusal_under(root, log.manifest_file(2, log.size())), "from the beginning"));
}

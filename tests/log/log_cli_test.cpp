// Runs the built hallmark-verify binary: `manifest` and `log` on files cut from a log built
// in the test; exit codes 0 (verified), 1 (tampered), 2 (usage), 4 (unreadable file).
#include <doctest/doctest.h>
#include <google/protobuf/util/json_util.h>

#include <string>
#include <utility>

#include "tests/log/evidence_fixture.h"
#include "tests/support/run_command.h"
#include "tests/support/text.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/time_format.h"
#include "verifier/tool/display_json.h"

namespace hv = hallmark::verifier;
namespace ht = hallmark::verifier::testing;
namespace v1 = hallmark::v1;
using namespace hallmark::log_testing;
using hallmark::testing::CommandResult;
using hallmark::testing::contains;
using hallmark::testing::run_command;
using hallmark::testing::shell_quote;

namespace {

struct Files {
  ht::TempDir dir;

  Files() {
    TestLog log;
    log.append_manifests(9, "CLI-A-");
    log.append_manifests(6, "CLI-B-");
    dir.write("root.json", hv::envelope_to_json(evidence_trust_root()));
    write_json("good.manifest.json", log.manifest_file(4, 15));
    auto tampered = log.manifest_file(4, 15);
    std::string bytes = tampered.manifest();
    bytes[3] = static_cast<char>(bytes[3] ^ 0x01);
    tampered.set_manifest(bytes);
    write_json("tampered.manifest.json", tampered);
    dir.write("day1.segment", log.segment(0, 9).SerializeAsString());
    dir.write("day2.segment", log.segment(9, 15).SerializeAsString());
    auto reordered = log.segment(9, 15);
    reordered.mutable_entries()->SwapElements(0, 1);
    dir.write("reordered.segment", reordered.SerializeAsString());
    // The same day with its fields in another order (protobuf allows any): the entries after
    // the checkpoints. The streamed reader must not depend on the writer's order.
    const auto day2 = log.segment(9, 15);
    auto head = day2;
    head.clear_entries();
    v1::LogSegment entries_only;
    *entries_only.mutable_entries() = day2.entries();
    dir.write("day2-reordered-fields.segment", head.SerializeAsString() + entries_only.SerializeAsString());
    const std::string day1_bytes = log.segment(0, 9).SerializeAsString();
    dir.write("truncated.segment", day1_bytes.substr(0, 100));  // inside the first entry
    dir.write("trailing-zero.segment", day1_bytes + std::string(1, '\0'));
    // An entry that says it is 2 GiB long: refused from its length, nothing allocated.
    dir.write("huge-entry.segment", std::string("\x1a\xff\xff\xff\xff\x07", 6) + day1_bytes);
    // Fields before day 1's own that protobuf's parser refuses (a tag or size over 5 bytes)
    // or takes although no writer emits them (a padded size, a group). The old reader read
    // past each: it wrote padded head fields again in their shortest encoding and kept the
    // group, so what it verified was not the file's bytes.
    const std::pair<const char*, std::string_view> padded[] = {
        {"padded-tag.segment", std::string_view("\x8a\x80\x80\x80\x80\x00\x00", 7)},
        {"padded-day-size.segment", std::string_view("\x0a\x80\x80\x80\x80\x80\x00", 7)},
        {"padded-entry-size.segment", std::string_view("\x1a\x80\x00", 3)},
        {"group.segment", std::string_view("\x3b\x3c", 2)},
    };
    for (const auto& [name, prefix] : padded) dir.write(name, std::string(prefix) + day1_bytes);
    TestLog fork;
    fork.append_manifests(9, "FORK-");
    dir.write("fork-day1.segment", fork.segment(0, 9).SerializeAsString());
  }

  void write_json(const std::string& name, const v1::ManifestFile& file) const {
    std::string json;
    REQUIRE(google::protobuf::util::MessageToJsonString(file, &json).ok());
    dir.write(name, json);
  }

  [[nodiscard]] std::string path(const std::string& name) const {
    return shell_quote((dir.path() / name).string());
  }

  CommandResult verify(const std::string& args) const {
    const auto pin = hv::sha256(hallmark::as_bytes(evidence_trust_root().payload()));
    return run_command(shell_quote(HALLMARK_VERIFY_BIN) + " " + args + " --trust-root " +
                       path("root.json") + " --pin-digest " + pin->hex() + " --at " +
                       std::to_string(kNow));
  }
};

}  // namespace

TEST_CASE("manifest: a good manifest file exits 0 and names the unit") {
  Files f;
  auto r = f.verify("manifest " + f.path("good.manifest.json"));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "CLI-A-4"));
  CHECK(contains(r.out, "st-1"));
  CHECK(contains(r.out, "PROGRAM / PASS"));
  CHECK(contains(r.out, "log index     4 of tree size 15"));
  auto json = f.verify("--json manifest " + f.path("good.manifest.json"));
  CHECK(json.exit_code == 0);
  v1::LogEntryRecord parsed;
  REQUIRE(hallmark::tool::parse_display_json(json.out, parsed));
  CHECK(parsed.manifest().serial() == "CLI-A-4");
  CHECK(parsed.attestation().serial() == "CLI-A-4");
  CHECK(parsed.log_index() == 4);
}

// Auditors got a number ("findings 2") and the attestation as base64: now the text says who,
// why and each finding by kind, and --json shows the attestation decoded, digests in hex.
TEST_CASE("manifest: a failed unit shows who, why and its findings by kind, not a count") {
  TestLog log;
  auto m = manifest("CLI-F-1", hallmark::trust_testing::station_key());
  m.set_result(v1::Attestation::FAIL);
  v1::Attestation a = attestation_of(m);
  a.set_operator_name("olga");
  a.set_detail("plan step 3 of 9 (write image 'app'): flash write error at 0x20000");
  *m.mutable_attestation_envelope() = attestation_envelope(a, hallmark::trust_testing::station_key());
  auto* clock = m.add_findings();
  clock->set_kind(v1::Finding::CLOCK_UNSYNCED);
  clock->set_detail("the station's clock was not synchronised");
  auto* claim = m.add_findings();
  claim->set_kind(v1::Finding::CLAIM_MISMATCH);
  claim->set_detail("image 'app' read back differs");
  log.append(std::string(hallmark::as_chars(hv::deterministic_bytes(m))));
  Files f;
  f.write_json("failed.manifest.json", log.manifest_file(0, 1));

  auto r = f.verify("manifest " + f.path("failed.manifest.json"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "who           operator olga\n"));
  CHECK(contains(r.out, "why           plan step 3 of 9 (write image 'app'): flash write error"));
  CHECK(contains(r.out, "findings      CLOCK_UNSYNCED, CLAIM_MISMATCH\n"));
  CHECK(contains(r.out, "  CLAIM_MISMATCH: image 'app' read back differs\n"));
  CHECK(contains(r.out, "event time    " + hv::format_utc(kNow - 600)));

  auto json = f.verify("--json manifest " + f.path("failed.manifest.json"));
  REQUIRE_MESSAGE(json.exit_code == 0, json.err);
  std::string bundle_hex;
  for (int i = 0; i < 32; ++i) bundle_hex += "42";
  CHECK(contains(json.out, "\"bundleDigest\": \"" + bundle_hex + "\""));
  CHECK(contains(json.out, "\"eventUtc\": \"" + hv::format_utc(kNow - 600) + "\""));
  CHECK_FALSE(contains(json.out, "attestationEnvelope"));
  v1::LogEntryRecord record;
  REQUIRE(hallmark::tool::parse_display_json(json.out, record));
  CHECK(record.attestation().result() == v1::Attestation::FAIL);
  CHECK(record.operator_name() == "olga");
  CHECK(record.why() == a.detail());
  REQUIRE(record.finding_kinds_size() == 2);
  CHECK(record.finding_kinds(1) == "CLAIM_MISMATCH");
}

// --at took only Unix seconds; every time flag now takes ISO 8601 UTC through one parser.
TEST_CASE("manifest: --at takes ISO 8601 UTC as well as Unix seconds and refuses a time without its zone") {
  Files f;
  const auto pin = hv::sha256(hallmark::as_bytes(evidence_trust_root().payload()));
  const std::string base = shell_quote(HALLMARK_VERIFY_BIN) + " manifest " +
                           f.path("good.manifest.json") + " --trust-root " + f.path("root.json") +
                           " --pin-digest " + pin->hex();
  auto iso = run_command(base + " --at " + hv::format_utc(kNow));
  CHECK_MESSAGE(iso.exit_code == 0, iso.err);
  auto local = run_command(base + " --at " + hv::format_utc(kNow).substr(0, 19));
  CHECK(local.exit_code == 2);
  CHECK(contains(local.err, "--at"));
  CHECK(run_command(base + " --at 2026-02-30T00:00:00Z").exit_code == 2);
}

TEST_CASE("manifest: a tampered manifest file exits 1 naming the file") {
  Files f;
  auto r = f.verify("manifest " + f.path("tampered.manifest.json"));
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "tampered.manifest.json"));
  CHECK(contains(r.err, "not in the evidence log"));
}

TEST_CASE("manifest: a missing file exits 4 and no trust root exits 2") {
  Files f;
  CHECK(f.verify("manifest " + f.path("absent.manifest.json")).exit_code == 4);
  auto usage = run_command(shell_quote(HALLMARK_VERIFY_BIN) + " manifest " +
                           f.path("good.manifest.json"));
  CHECK(usage.exit_code == 2);
}

TEST_CASE("log: consecutive segments exit 0, chained with --previous") {
  Files f;
  auto day1 = f.verify("log " + f.path("day1.segment"));
  CHECK_MESSAGE(day1.exit_code == 0, day1.err);
  CHECK(contains(day1.out, "entries       9 (index 0..8)"));
  auto day2 = f.verify("log " + f.path("day2.segment") + " --previous " + f.path("day1.segment"));
  CHECK_MESSAGE(day2.exit_code == 0, day2.err);
  CHECK(contains(day2.out, "entries       6 (index 9..14)"));
  CHECK(contains(day2.out, "tree size 15"));
}

TEST_CASE("log: a reordered segment or one continuing a forked log exits 1") {
  Files f;
  auto reordered = f.verify("log " + f.path("reordered.segment"));
  CHECK(reordered.exit_code == 1);
  CHECK(contains(reordered.err, "reordered.segment"));
  auto forked =
      f.verify("log " + f.path("day2.segment") + " --previous " + f.path("fork-day1.segment"));
  CHECK(forked.exit_code == 1);
  CHECK(contains(forked.err, "forked"));
  CHECK(f.verify("log " + f.path("root.json")).exit_code == 1);  // not a segment
}

// hallmark-verify log streams a segment from its file (a busy day is hundreds of MiB).
TEST_CASE("log: a streamed segment verifies whatever its field order, and a truncated or padded one, "
          "or one with an oversized entry, exits 1 naming the file") {
  Files f;
  auto reordered = f.verify("log " + f.path("day2-reordered-fields.segment"));
  CHECK_MESSAGE(reordered.exit_code == 0, reordered.err);
  CHECK(contains(reordered.out, "entries       6 (index 9..14)"));
  for (const char* name : {"truncated.segment", "trailing-zero.segment", "huge-entry.segment"}) {
    auto bad = f.verify("log " + f.path(name));
    const std::string what = std::string(name) + ": " + bad.err;
    INFO(what);
    CHECK(bad.exit_code == 1);
    CHECK(contains(bad.err, name));
    CHECK(contains(bad.err, "not a log segment"));
  }
}

// protobuf's CodedInputStream, under the streamed reader, reads a tag or size of up to 10
// bytes and keeps its low 32 bits; protobuf's parser refuses over 5. So hallmark-verify
// took files every other reader of a segment refuses (the class fuzz/export_reader_fuzz.cpp
// found in the station export reader). Every tag, size and varint must be in its shortest
// encoding now (verifier/core/protobuf_wire.h), as every protobuf writer emits it.
TEST_CASE("log: a segment with a padded tag or size, or a group, exits 1 naming the file and the byte") {
  Files f;
  const std::pair<const char*, const char*> cases[] = {
      {"padded-tag.segment", "a field tag at byte 0 has a padded varint"},
      {"padded-day-size.segment", "a field at byte 1 has a padded varint"},
      {"padded-entry-size.segment", "a field at byte 1 has a padded varint"},
      {"group.segment", "a field at byte 1 is a group or an unknown wire type"},
  };
  for (const auto& [name, says] : cases) {
    auto bad = f.verify("log " + f.path(name));
    const std::string what = std::string(name) + ": " + bad.err;
    INFO(what);
    CHECK(bad.exit_code == 1);
    CHECK(contains(bad.err, name));
    CHECK(contains(bad.err, says));
  }
}

// No command showed what is inside a registration (keys, enrolled software, validity).
TEST_CASE("registration: verified under the trust root and shown: station, keys, software, validity") {
  Files f;
  f.dir.write("st-1.registration.json", station_registration_json());
  auto r = f.verify("registration " + f.path("st-1.registration.json"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "OK: "));
  CHECK(contains(r.out, "station             st-1\n"));
  CHECK(contains(r.out, "station key         " + hallmark::trust_testing::station_key().pub.key_id()));
  CHECK(contains(r.out, "device-CA key       " + hallmark::trust_testing::device_ca().pub.key_id()));
  CHECK(contains(r.out, "registered          20"));
  auto json = f.verify("--json registration " + f.path("st-1.registration.json"));
  REQUIRE(json.exit_code == 0);
  CHECK(contains(json.out, "\"stationId\":\"st-1\""));
  CHECK_FALSE(contains(json.out, "enrollmentPayload"));

  // A registration signed by one custodian only is refused, naming the file.
  auto lone = hallmark::trust_testing::sign("station-registration",
                                  hallmark::trust_testing::registration(
                                      hallmark::trust_testing::enrollment("st-1", hallmark::trust_testing::station_key(),
                                                                hallmark::trust_testing::device_ca()),
                                      hallmark::trust_testing::make_certificate(hallmark::trust_testing::device_ca(),
                                                                      hallmark::trust_testing::mfg_ca())),
                                  {&hallmark::trust_testing::alice()});
  f.dir.write("lone.registration.json", hv::envelope_to_json(lone));
  auto refused = f.verify("registration " + f.path("lone.registration.json"));
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "lone.registration.json"));
}

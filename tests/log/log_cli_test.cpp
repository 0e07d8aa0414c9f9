// Runs the built hallmark-verify binary: `manifest` and `log` on files cut from a log built
// in the test; exit codes 0 (verified), 1 (tampered), 2 (usage), 4 (unreadable file).
#include <doctest/doctest.h>
#include <google/protobuf/util/json_util.h>

#include <string>

#include "tests/log/evidence_fixture.h"
#include "tests/support/run_command.h"
#include "tests/support/text.h"
#include "verifier/core/dsse.h"

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
  v1::ProvisioningManifest parsed;
  REQUIRE(google::protobuf::util::JsonStringToMessage(json.out, &parsed).ok());
  CHECK(parsed.serial() == "CLI-A-4");
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

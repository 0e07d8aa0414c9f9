// Runs the built hallmark-verify binary: `trust-root` and `transcript`, exit codes 0/1/2/4,
// text and --json output.
#include <doctest/doctest.h>

#include "verifier/core/time_format.h"
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "verifier/core/time_format.h"
#include "verifier/tool/display_json.h"
#include "tests/support/run_command.h"
#include "testkit/trust_fixture.h"
#include "verifier/core/dsse.h"
#include "verifier/trust/transcript.h"
#include "tests/support/text.h"

namespace hv = hallmark::verifier;
namespace v1 = hallmark::v1;
using namespace hallmark::trust_testing;
using hallmark::testing::CommandResult;
using hallmark::testing::run_command;
using hallmark::testing::shell_quote;

using hallmark::testing::contains;

namespace {

// v1 (alice, bob, carol) → v2 (carol replaced by dave), a revocation, transcripts and keys.
struct Fixture {
  ht::TempDir dir;
  std::vector<v1::Envelope> chain;

  Fixture() {
    RootSpec v1spec = default_spec();
    RootSpec v2spec = default_spec();
    v2spec.version = 2;
    v2spec.custodians[2] = {"dave", {&dave()}};
    chain = make_chain({v1spec, v2spec}, {{&alice(), &bob()}, {&alice(), &bob()}});
    write("v1.json", chain[0]);
    write("v2.json", chain[1]);
    write("v1-one-signer.json", sign_root(v1spec, {&alice()}));

    auto r = revocation(2);
    r.add_custodians("bob");
    write("revoke-bob.json", sign("revocation", r, {&alice(), &dave()}));
    write("revoke-bob-alone.json", sign("revocation", r, {&alice()}));
    auto station = revocation(2);
    station.add_station_ids("line-7");
    station.set_reason("station stolen from line 7");
    station.set_effective_unix(kNow - 3600);
    write("revoke-line-7.json", sign("revocation", station, {&alice(), &dave()}));

    hv::TranscriptChain transcript;
    for (const char* step : {"check-card", "generate-keys", "sign-trust-root"}) {
      v1::TranscriptEntry e;
      e.set_step(step);
      e.set_actor("alice");
      e.set_time_unix(kNow);
      e.set_ok(true);
      transcript.append(e);
    }
    const auto t = transcript.finish("init", std::string(64, 'a'), {});
    write("transcript.json", sign("ceremony-transcript", t, {&alice(), &bob()}));
    write("transcript-one.json", sign("ceremony-transcript", t, {&alice()}));
    auto reordered = t;
    reordered.mutable_entries()->SwapElements(0, 1);
    write("transcript-reordered.json", sign("ceremony-transcript", reordered, {&alice(), &bob()}));
    dir.write("alice.pem", alice().pub.to_pem());
    dir.write("bob.pem", bob().pub.to_pem());
  }
  void write(const std::string& name, const v1::Envelope& envelope) {
    dir.write(name, hv::envelope_to_json(envelope));
  }
  std::string path(const std::string& name) const {
    return shell_quote((dir.path() / name).string());
  }
  // The anchor pinned as an auditor installs it (a file named by $HALLMARK_ANCHOR);
  // --pin-digest on the command line takes precedence.
  CommandResult verify(const std::string& args) const {
    const auto anchor = dir.write("anchor.sha256", anchor_pin() + "\n");
    return run_command("HALLMARK_ANCHOR=" + shell_quote(anchor.string()) + " " +
                       shell_quote(HALLMARK_VERIFY_BIN) + " " + args);
  }
  std::string at() const { return " --at " + std::to_string(kNow); }
  std::string anchor_pin() const {
    return hallmark::to_hex(hallmark::as_bytes(payload_digest(chain[0])));
  }
};

}  // namespace

TEST_CASE("trust-root: a chain v1 v2 verifies (exit 0) and prints version, roles, custodians") {
  Fixture f;
  auto r = f.verify("trust-root " + f.path("v1.json") + " " + f.path("v2.json") + f.at());
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "version: 2"));
  CHECK(contains(r.out, "ROOT: threshold 2 of 3"));
  CHECK(contains(r.out, "dave"));
  CHECK(contains(r.out, alice().pub.key_id() + " (custodian alice)"));
  CHECK(contains(r.out, "expires: 2026-06-15"));
  CHECK(r.err.empty());
}

TEST_CASE("trust-root --json prints the current TrustRoot in protobuf JSON") {
  Fixture f;
  auto r = f.verify("--json trust-root " + f.path("v1.json") + " " + f.path("v2.json") + f.at());
  REQUIRE(r.exit_code == 0);
  v1::TrustRoot root;
  REQUIRE(hallmark::tool::parse_display_json(r.out, root));
  CHECK(root.version() == 2);
  // Digests and keys in hex as everywhere else (base64 DER starts "MF"), times in ISO 8601.
  CHECK(contains(r.out, "\"spkiDer\": \"30"));
  CHECK(contains(r.out, "\"issuedUtc\": \"" + hv::format_utc(root.issued_unix()) + "\""));
  CHECK(root.custodians(2).name() == "dave");
}

TEST_CASE("trust-root: rollback in the chain fails with exit 1 and names the file") {
  Fixture f;
  auto r = f.verify("trust-root " + f.path("v1.json") + " " + f.path("v2.json") + " " +
                    f.path("v1.json") + f.at());
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "v1.json"));
  CHECK(contains(r.err, "rollback"));
  CHECK(r.out.empty());
}

TEST_CASE("trust-root: an anchor signed by 1 of 3 fails with exit 1") {
  Fixture f;
  auto r = f.verify("trust-root " + f.path("v1-one-signer.json") + f.at());
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "v1-one-signer.json"));
}

TEST_CASE("trust-root: an expired newest version fails with exit 1") {
  Fixture f;
  auto r =
      f.verify("trust-root " + f.path("v1.json") + " --at " + std::to_string(kNow + 2 * kYear));
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "expired"));
}

TEST_CASE("trust-root: --pin-digest must match the anchor (exit 1), be hex (exit 2)") {
  Fixture f;
  CHECK(f.verify("trust-root " + f.path("v1.json") + " --pin-digest " + f.anchor_pin() + f.at())
            .exit_code == 0);
  auto wrong =
      f.verify("trust-root " + f.path("v2.json") + " --pin-digest " + f.anchor_pin() + f.at());
  CHECK(wrong.exit_code == 1);
  CHECK(contains(wrong.err, "pinned digest"));
  CHECK(f.verify("trust-root " + f.path("v1.json") + " --pin-digest xyz" + f.at()).exit_code == 2);
}

TEST_CASE("trust-root: revocations are applied — one signed by a single custodian fails") {
  Fixture f;
  const std::string chain = f.path("v1.json") + " " + f.path("v2.json") + f.at();
  auto ok = f.verify("trust-root " + chain + " --revocation " + f.path("revoke-bob.json"));
  CHECK(ok.exit_code == 0);
  CHECK(contains(ok.out, "bob REVOKED"));
  auto refused =
      f.verify("trust-root " + chain + " --revocation " + f.path("revoke-bob-alone.json"));
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "revoke-bob-alone.json"));
}

TEST_CASE("trust-root --revocation lists what is revoked, from when and why") {
  Fixture f;
  const std::string chain = f.path("v1.json") + " " + f.path("v2.json") + f.at();
  auto r = f.verify("trust-root " + chain + " --revocation " + f.path("revoke-line-7.json") +
                    " --revocation " + f.path("revoke-bob.json"));
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "revocations:"));
  CHECK(contains(r.out, "station    line-7"));
  CHECK(contains(r.out, "reason     station stolen from line 7"));
  CHECK(contains(r.out, "effective  from " + hv::format_utc(kNow - 3600)));
  CHECK(contains(r.out, "evidence countersigned before then still verifies"));
  // An old revocation without an effective time: it keeps its meaning, and says so.
  CHECK(contains(r.out, "custodian  bob"));
  CHECK(contains(r.out, "from the beginning"));
}

TEST_CASE("trust-root: usage errors exit 2, a missing file exits 4") {
  Fixture f;
  CHECK(f.verify("trust-root").exit_code == 2);
  CHECK(f.verify("trust-root " + f.path("v1.json") + " --at soon").exit_code == 2);
  auto missing = f.verify("trust-root " + f.path("nope.json") + f.at());
  CHECK(missing.exit_code == 4);
  CHECK(contains(missing.err, "nope.json"));
}

TEST_CASE("transcript: verified against a trust root (exit 0) and printed for auditors") {
  Fixture f;
  auto r = f.verify("transcript " + f.path("transcript.json") + " --trust-root " +
                    f.path("v1.json") + " " + f.path("v2.json") + f.at());
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "ceremony: init"));
  CHECK(contains(r.out, "#2 2025-06-15T15:06:40Z sign-trust-root [ok]"));
  CHECK(contains(r.out, "signed by: alice, bob"));
}

TEST_CASE("transcript: reordered entries or too few signers fail with exit 1") {
  Fixture f;
  const std::string root = " --trust-root " + f.path("v1.json") + f.at();
  auto reordered = f.verify("transcript " + f.path("transcript-reordered.json") + root);
  CHECK(reordered.exit_code == 1);
  CHECK(contains(reordered.err, "reordered"));
  CHECK(reordered.out.empty());
  auto one = f.verify("transcript " + f.path("transcript-one.json") + root);
  CHECK(one.exit_code == 1);
  CHECK(contains(one.err, "transcript-one.json"));
}

TEST_CASE("transcript: --key with --threshold verifies — below threshold fails") {
  Fixture f;
  const std::string keys = " --key " + f.path("alice.pem") + " --key " + f.path("bob.pem");
  CHECK(f.verify("transcript " + f.path("transcript.json") + keys + " --threshold 2").exit_code ==
        0);
  CHECK(
      f.verify("transcript " + f.path("transcript-one.json") + keys + " --threshold 2").exit_code ==
      1);
}

TEST_CASE("transcript: needs exactly one of --trust-root or --key with --threshold (exit 2)") {
  Fixture f;
  const std::string file = f.path("transcript.json");
  CHECK(f.verify("transcript " + file).exit_code == 2);
  CHECK(f.verify("transcript " + file + " --key " + f.path("alice.pem")).exit_code == 2);
  CHECK(f.verify("transcript " + file + " --trust-root " + f.path("v1.json") + " --key " +
                 f.path("alice.pem") + " --threshold 1")
            .exit_code == 2);
}

TEST_CASE("transcript --json decodes every entry") {
  Fixture f;
  auto r = f.verify("--json transcript " + f.path("transcript.json") + " --trust-root " +
                    f.path("v1.json") + f.at());
  REQUIRE(r.exit_code == 0);
  google::protobuf::Struct report;
  REQUIRE(google::protobuf::util::JsonStringToMessage(r.out, &report).ok());
  const auto& fields = report.fields();
  CHECK(fields.at("ceremony").string_value() == "init");
  REQUIRE(fields.at("entries").list_value().values_size() == 3);
  CHECK(fields.at("entries")
            .list_value()
            .values(2)
            .struct_value()
            .fields()
            .at("step")
            .string_value() == "sign-trust-root");
  CHECK(fields.at("signerIdentities").list_value().values_size() == 2);
}

// Runs the built hallmark-verify binary: exit codes, output, and --json.
#include <doctest/doctest.h>

#include <google/protobuf/util/json_util.h>

#include "hallmark/tool_output.pb.h"
#include "tests/support/run_command.h"
#include "testkit/in_process_keys.h"
#include "verifier/core/dsse.h"
#include "tests/support/text.h"

namespace hv = hallmark::verifier;
namespace ht = hallmark::verifier::testing;

using hallmark::testing::contains;

namespace {

constexpr const char* kType = "application/vnd.hallmark.test.v1+protobuf";

// A directory with alice.pem, bob.pem, mallory.pem and envelopes signed by them.
struct Fixture {
  ht::TempDir dir;
  const ht::TestKey& alice = ht::key(ht::Alg::kP256, 0);
  const ht::TestKey& bob = ht::key(ht::Alg::kEd25519, 0);
  const ht::TestKey& mallory = ht::key(ht::Alg::kP256, 1);
  Fixture() {
    dir.write("alice.pem", alice.pub.to_pem());
    dir.write("bob.pem", bob.pub.to_pem());
    dir.write("mallory.pem", mallory.pub.to_pem());
    dir.write("alice.key", alice.private_pem);
    write_envelope("good.json", ht::make_envelope(kType, "release 1.0", {&alice}));
    write_envelope("both.json", ht::make_envelope(kType, "release 1.0", {&alice, &bob}));
    auto tampered = ht::make_envelope(kType, "release 1.0", {&alice});
    tampered.set_payload("release 6.6");
    write_envelope("tampered.json", tampered);
    dir.write("malformed.json", "{\"payloadType\": ");
  }
  void write_envelope(const std::string& name, const hallmark::v1::Envelope& env) {
    dir.write(name, hv::envelope_to_json(env));
  }
  std::string path(const std::string& name) const {
    return hallmark::testing::shell_quote((dir.path() / name).string());
  }
  hallmark::testing::CommandResult verify(const std::string& args) const {
    return hallmark::testing::run_command(hallmark::testing::shell_quote(HALLMARK_VERIFY_BIN) + " " + args);
  }
};

}  // namespace

TEST_CASE("good envelope verifies: exit 0, payload type, key id and PEM file named") {
  Fixture f;
  auto r = f.verify("envelope " + f.path("good.json") + " --key " + f.path("alice.pem"));
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, kType));
  CHECK(contains(r.out, f.alice.pub.key_id()));
  CHECK(contains(r.out, "alice.pem"));
  CHECK(r.err.empty());
}

TEST_CASE("tampered envelope fails with exit 1 and says why on stderr") {
  Fixture f;
  auto r = f.verify("envelope " + f.path("tampered.json") + " --key " + f.path("alice.pem"));
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "hallmark-verify: "));
  CHECK(contains(r.err, "0 of 1 required signatures verified"));
  CHECK(contains(r.err, "tampered.json"));
  CHECK(r.out.empty());
}

TEST_CASE("wrong key fails with exit 1") {
  Fixture f;
  auto r = f.verify("envelope " + f.path("good.json") + " --key " + f.path("mallory.pem"));
  CHECK(r.exit_code == 1);
}

TEST_CASE("threshold 2 needs two distinct keys and the failure names the key that verified") {
  Fixture f;
  const std::string keys = " --key " + f.path("alice.pem") + " --key " + f.path("bob.pem");
  CHECK(f.verify("envelope " + f.path("both.json") + keys + " --threshold 2").exit_code == 0);
  auto one = f.verify("envelope " + f.path("good.json") + keys + " --threshold 2");
  CHECK(one.exit_code == 1);
  CHECK(contains(one.err, "1 of 2"));
  CHECK(contains(one.err, f.alice.pub.key_id() + " ("));
  CHECK(contains(one.err, "alice.pem"));
  // The same PEM given twice is still one key.
  auto twice = f.verify("envelope " + f.path("good.json") + " --key " + f.path("alice.pem") +
                        " --key " + f.path("alice.pem") + " --threshold 2");
  CHECK(twice.exit_code == 2);
}

TEST_CASE("--payload-type mismatch fails with exit 1") {
  Fixture f;
  auto r = f.verify("envelope " + f.path("good.json") + " --key " + f.path("alice.pem") +
                    " --payload-type application/vnd.hallmark.bundle.v1+protobuf");
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "payload type"));
}

TEST_CASE("--json prints an EnvelopeVerification on success and on failure") {
  Fixture f;
  auto good = f.verify("envelope " + f.path("both.json") + " --key " + f.path("alice.pem") +
                       " --key " + f.path("bob.pem") + " --threshold 2 --json");
  REQUIRE(good.exit_code == 0);
  hallmark::v1::EnvelopeVerification report;
  REQUIRE(google::protobuf::util::JsonStringToMessage(good.out, &report).ok());
  CHECK(report.ok());
  CHECK(report.payload_type() == kType);
  CHECK(report.threshold() == 2);
  CHECK(report.signature_count() == 2);
  CHECK(report.verified_key_ids_size() == 2);
  CHECK(report.payload() == "release 1.0");

  auto bad = f.verify("envelope " + f.path("tampered.json") + " --key " + f.path("alice.pem") +
                      " --json");
  CHECK(bad.exit_code == 1);
  hallmark::v1::EnvelopeVerification failed;
  REQUIRE(google::protobuf::util::JsonStringToMessage(bad.out, &failed).ok());
  CHECK_FALSE(failed.ok());
  CHECK(contains(failed.error(), "0 of 1"));
  CHECK(failed.payload().empty());
}

TEST_CASE("usage errors exit 2") {
  Fixture f;
  CHECK(f.verify("").exit_code == 2);                                  // no subcommand
  CHECK(f.verify("bogus").exit_code == 2);                             // unknown subcommand
  CHECK(f.verify("envelope " + f.path("good.json")).exit_code == 2);  // no --key
  CHECK(f.verify("envelope " + f.path("good.json") + " --key " + f.path("alice.pem") +
                 " --threshold 0").exit_code == 2);
  CHECK(f.verify("envelope " + f.path("good.json") + " --key " + f.path("alice.pem") +
                 " --threshold -1").exit_code == 2);
  auto malformed = f.verify("envelope " + f.path("malformed.json") + " --key " + f.path("alice.pem"));
  CHECK(malformed.exit_code == 2);
  CHECK(contains(malformed.err, "malformed.json"));
}

TEST_CASE("a private key given as --key is refused with exit 2") {
  Fixture f;
  auto r = f.verify("envelope " + f.path("good.json") + " --key " + f.path("alice.key"));
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "alice.key"));
  CHECK(contains(r.err, "private key"));
}

TEST_CASE("missing envelope or key file exits 4 and names the file") {
  Fixture f;
  auto no_env = f.verify("envelope " + f.path("absent.json") + " --key " + f.path("alice.pem"));
  CHECK(no_env.exit_code == 4);
  CHECK(contains(no_env.err, "absent.json"));
  auto no_key = f.verify("envelope " + f.path("good.json") + " --key " + f.path("absent.pem"));
  CHECK(no_key.exit_code == 4);
  CHECK(contains(no_key.err, "absent.pem"));
}

TEST_CASE("--version and --help exit 0") {
  Fixture f;
  auto v = f.verify("--version");
  CHECK(v.exit_code == 0);
  CHECK(contains(v.out, HALLMARK_PROJECT_VERSION));
  auto h = f.verify("envelope --help");
  CHECK(h.exit_code == 0);
  CHECK(contains(h.out, "--threshold"));
}

// Envelopes signed by the openssl command-line tool (openssl_envelope.sh), never by our
// code, must verify with verify_envelope and with the hallmark-verify binary.
#include <doctest/doctest.h>

#include "tests/support/run_command.h"
#include "testkit/in_process_keys.h"
#include "verifier/core/dsse.h"
#include "verifier/io/file_io.h"

namespace hv = hallmark::verifier;
namespace ht = hallmark::verifier::testing;
namespace fio = hallmark::fileio;

namespace {

constexpr const char* kType = "application/vnd.hallmark.interop.v1+protobuf";

struct OpensslEnvelope {
  ht::TempDir dir;
  explicit OpensslEnvelope(const std::string& alg, int pss_salt = 32) {
    dir.write("payload.bin", std::string("interop\0\xff payload", 17));
    auto r = hallmark::testing::run_command(
        "sh " + hallmark::testing::shell_quote(OPENSSL_ENVELOPE_SCRIPT) + " " + hallmark::testing::shell_quote(OPENSSL_BIN) +
        " " + alg + " " + hallmark::testing::shell_quote(dir.path().string()) + " " + kType + " " +
        hallmark::testing::shell_quote((dir.path() / "payload.bin").string()) + " " + std::to_string(pss_salt));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  std::string file(const char* name) const { return (dir.path() / name).string(); }
};

}  // namespace

TEST_CASE("envelopes signed by the openssl tool verify, for every algorithm") {
  for (const char* alg : {"p256", "p384", "rsa3072", "ed25519"}) {
    CAPTURE(alg);
    OpensslEnvelope o(alg);
    auto key = hv::PublicKey::from_pem(ht::read_text(o.file("pub.pem")));
    REQUIRE(key.has_value());
    // Key id as openssl computes it: sha256 over `openssl pkey -outform DER`.
    CHECK(key->key_id() + "\n" == ht::read_text(o.file("keyid")));
    // Our PAE equals the bytes the shell script signed.
    CHECK(hv::pae(kType, *fio::read_file(o.file("payload.bin"), 1024)) ==
          *fio::read_file(o.file("pae.bin"), 1024));

    auto env = hv::parse_envelope_json(ht::read_text(o.file("envelope.json")));
    REQUIRE(env.has_value());
    auto verified = hv::verify_envelope(*env, std::span(&*key, 1), 1, kType);
    REQUIRE(verified.has_value());
    CHECK(verified->payload == *fio::read_file(o.file("payload.bin"), 1024));

    auto cli = hallmark::testing::run_command(hallmark::testing::shell_quote(HALLMARK_VERIFY_BIN) + " envelope " +
                               hallmark::testing::shell_quote(o.file("envelope.json")) + " --key " +
                               hallmark::testing::shell_quote(o.file("pub.pem")) + " --payload-type " + kType);
    CHECK(cli.exit_code == 0);
    CHECK(cli.out.find(key->key_id()) != std::string::npos);
  }
}

TEST_CASE("openssl RSA-PSS with salt length 64 is refused by the library and the binary") {
  OpensslEnvelope o("rsa3072", 64);
  auto key = hv::PublicKey::from_pem(ht::read_text(o.file("pub.pem")));
  REQUIRE(key.has_value());
  auto env = hv::parse_envelope_json(ht::read_text(o.file("envelope.json")));
  REQUIRE(env.has_value());
  CHECK_FALSE(hv::verify_envelope(*env, std::span(&*key, 1), 1).has_value());
  auto cli = hallmark::testing::run_command(hallmark::testing::shell_quote(HALLMARK_VERIFY_BIN) + " envelope " +
                             hallmark::testing::shell_quote(o.file("envelope.json")) + " --key " +
                             hallmark::testing::shell_quote(o.file("pub.pem")));
  CHECK(cli.exit_code == 1);
}

TEST_CASE("openssl envelope with one byte of payload changed fails in the binary") {
  OpensslEnvelope o("ed25519");
  std::string json = ht::read_text(o.file("envelope.json"));
  auto env = hv::parse_envelope_json(json);
  REQUIRE(env.has_value());
  env->set_payload(env->payload() + "x");
  o.dir.write("tampered.json", hv::envelope_to_json(*env));
  auto cli = hallmark::testing::run_command(hallmark::testing::shell_quote(HALLMARK_VERIFY_BIN) + " envelope " +
                             hallmark::testing::shell_quote(o.file("tampered.json")) + " --key " +
                             hallmark::testing::shell_quote(o.file("pub.pem")));
  CHECK(cli.exit_code == 1);
}

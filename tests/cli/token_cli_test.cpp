// hallmark-ceremony (token, key) and hallmark-signer sign, run as binaries against
// throwaway SoftHSM tokens. PINs reach the binaries by environment variable name only.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/imported_key.h"
#include "tests/support/run_command.h"
#include "testkit/softhsm_fixture.h"
#include "tests/support/text.h"

using hallmark::testing::CommandResult;
using hallmark::testing::run_command;
using hallmark::testing::shell_quote;
using hallmark::testing::SoftHsmFixture;

using hallmark::testing::contains;

namespace {

// Tokens "signer-hsm" and "custodian-alice", the user PIN in $HALLMARK_TEST_PIN.
struct Tokens {
  SoftHsmFixture hsm{{"signer-hsm", "custodian-alice"}};
  Tokens() {
    ::setenv("HALLMARK_TEST_PIN", SoftHsmFixture::kUserPin, 1);
    ::setenv("HALLMARK_WRONG_PIN", "not-the-pin", 1);
  }
  std::string path(const std::string& name) const { return (hsm.dir() / name).string(); }

  static CommandResult ceremony(const std::string& args) {
    return run_command(shell_quote(HALLMARK_CEREMONY_BIN) + " " + args);
  }
  static CommandResult signer(const std::string& args) {
    return run_command(shell_quote(HALLMARK_SIGNER_BIN) + " " + args);
  }
  static CommandResult verify(const std::string& args) {
    return run_command(shell_quote(HALLMARK_VERIFY_BIN) + " " + args);
  }
  CommandResult generate(const std::string& token, const std::string& label,
                         const std::string& algorithm, const std::string& extra = "") const {
    return ceremony("--json key generate --token pkcs11:token=" + token + " --label " + label +
                    " --algorithm " + algorithm + " --pin env:HALLMARK_TEST_PIN --public-out " +
                    shell_quote(path(label + ".pem")) + " " + extra);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
  }
};

}  // namespace

TEST_CASE("key generate reports a local never-extractable key in --json") {
  Tokens t;
  auto r = t.generate("signer-hsm", "release", "p256");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "\"local\": true"));
  CHECK(contains(r.out, "\"neverExtractable\": true"));
  CHECK(contains(r.out, "\"alwaysSensitive\": true"));
  CHECK_FALSE(contains(r.out, "\"extractable\": true"));
  CHECK(std::filesystem::exists(t.path("release.pem")));
}

TEST_CASE("an imported extractable key is refused for a production role by key show and sign") {
  Tokens t;
  {
    auto session = t.hsm.open("signer-hsm");
    hallmark::testing::import_p256(session, "imported", true);
  }
  auto show = t.ceremony(
      "key show --key 'pkcs11:token=signer-hsm;object=imported' --pin env:HALLMARK_TEST_PIN");
  CHECK(show.exit_code == 1);
  CHECK(contains(show.out, "REFUSED"));
  t.write("doc.txt", "statement");
  auto sign = t.signer("sign --allow-software-token "
                       "--key 'pkcs11:token=signer-hsm;object=imported' "
                       "--pin env:HALLMARK_TEST_PIN --payload-type text/plain --payload " +
                       shell_quote(t.path("doc.txt")) + " --out " + shell_quote(t.path("o.json")));
  CHECK(sign.exit_code == 1);
  CHECK(contains(sign.err, "imported"));
  CHECK_FALSE(std::filesystem::exists(t.path("o.json")));  // nothing half-written
}

TEST_CASE("sign then hallmark-verify: two cards reach threshold 2 and the same card twice is refused") {
  Tokens t;
  REQUIRE(t.generate("signer-hsm", "release", "ed25519").exit_code == 0);
  REQUIRE(t.generate("custodian-alice", "custodian", "p384", "--always-authenticate").exit_code ==
          0);
  t.write("doc.txt", "release 1.0 may ship");
  auto first = t.signer("sign --allow-software-token "
                        "--key 'pkcs11:token=custodian-alice;object=custodian' "
                        "--pin env:HALLMARK_TEST_PIN --payload-type text/plain --payload " +
                        shell_quote(t.path("doc.txt")) + " --out " +
                        shell_quote(t.path("env.json")));
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  CHECK(contains(first.err, "About to sign"));  // shown before the PIN is asked for
  auto second = t.signer("sign --allow-software-token "
                         "--key 'pkcs11:token=signer-hsm;object=release' "
                         "--pin env:HALLMARK_TEST_PIN --envelope " +
                         shell_quote(t.path("env.json")) + " --out " +
                         shell_quote(t.path("env.json")));
  REQUIRE_MESSAGE(second.exit_code == 0, second.err);
  const std::string keys = " --key " + shell_quote(t.path("custodian.pem")) + " --key " +
                           shell_quote(t.path("release.pem"));
  auto ok = t.verify("envelope " + shell_quote(t.path("env.json")) + keys + " --threshold 2");
  CHECK_MESSAGE(ok.exit_code == 0, ok.err);

  auto again = t.signer("sign --allow-software-token "
                        "--key 'pkcs11:token=custodian-alice;object=custodian' "
                        "--pin env:HALLMARK_TEST_PIN --envelope " +
                        shell_quote(t.path("env.json")) + " --out " +
                        shell_quote(t.path("env3.json")));
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "counts once"));
  CHECK_FALSE(std::filesystem::exists(t.path("env3.json")));
}

TEST_CASE("a wrong PIN exits 3 naming the token and never echoes the PIN") {
  Tokens t;
  auto r = t.ceremony("key generate --token pkcs11:token=custodian-alice --label k "
                      "--pin env:HALLMARK_WRONG_PIN");
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err, "custodian-alice"));
  CHECK(contains(r.err, "wrong PIN"));
  CHECK_FALSE(contains(r.err + r.out, "not-the-pin"));
}

TEST_CASE("a wrong PIN says what to do next: how cards lock and whom to ask, not only the CK_RV") {
  Tokens t;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    CAPTURE(attempt);  // the first wrong PIN, then one with the count-low flag set
    auto r = t.ceremony("key generate --token pkcs11:token=custodian-alice --label k "
                        "--pin env:HALLMARK_WRONG_PIN");
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "lock after 3"));
    CHECK(contains(r.err, "ask whoever issued the card"));
    CHECK(contains(r.err, "does not say how many tries are left"));
  }
}

TEST_CASE("a PIN given literally in argv is refused as a PIN source") {
  Tokens t;
  auto r = t.ceremony("token status --token pkcs11:token=custodian-alice");  // no login needed
  REQUIRE(r.exit_code == 0);
  auto literal = t.ceremony("key generate --token pkcs11:token=custodian-alice --label k "
                            "--pin user-pin-1234");
  CHECK(literal.exit_code == 2);
  CHECK_FALSE(contains(literal.err + literal.out, "user-pin-1234"));
}

TEST_CASE("a token that is not present exits 3 and says what to do") {
  Tokens t;
  auto r = t.ceremony("token status --token pkcs11:token=custodian-carol");
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err, "custodian-carol"));
  CHECK(contains(r.err, "insert"));
}

TEST_CASE("token status shows the PIN state after a wrong PIN") {
  Tokens t;
  REQUIRE(t.ceremony("key generate --token pkcs11:token=custodian-alice --label k "
                     "--pin env:HALLMARK_WRONG_PIN")
              .exit_code == 3);
  auto r = t.ceremony("token status --token pkcs11:token=custodian-alice");
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "count low"));
}

TEST_CASE("unknown algorithm and missing key are clear errors") {
  Tokens t;
  auto alg = t.ceremony("key generate --token pkcs11:token=signer-hsm --label k "
                        "--algorithm rsa1024 --pin env:HALLMARK_TEST_PIN");
  CHECK(alg.exit_code == 2);
  CHECK(contains(alg.err, "rsa1024"));
  auto missing = t.ceremony("key show --key 'pkcs11:token=signer-hsm;object=nothing' "
                            "--pin env:HALLMARK_TEST_PIN");
  CHECK(missing.exit_code == 3);
  CHECK(contains(missing.err, "nothing"));
  CHECK(contains(missing.err, "signer-hsm"));
}

// hallmark-ceremony init / rotate / enroll-station / revoke as binaries on throwaway SoftHSM
// tokens, checked with hallmark-verify. PINs reach the binaries through environment
// variables named on the command line, or through a file descriptor — never in argv.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "hsm-profiles/src/keygen.h"
#include "tests/ceremony/ceremony_test_support.h"
#include "tests/support/imported_key.h"
#include "tests/support/run_command.h"
#include "verifier/core/dsse.h"
#include "ceremony/src/ceremony_ui.h"
#include "tests/support/text.h"

using namespace hallmark;
using namespace hallmark::testing;
namespace fs = std::filesystem;

using hallmark::testing::contains;

namespace {

// The tokens, the PIN in $CEREMONY_PIN, and helpers to run the three binaries.
struct Cli {
  CeremonyTokens tokens;
  // --pin NAME=env:CEREMONY_PIN for each of `who`, and the signer HSM's.
  static std::string pins(std::initializer_list<const char*> who = {"alice", "bob", "carol"}) {
    std::string out;
    for (const char* name : who) out += std::string(" --pin ") + name + "=env:CEREMONY_PIN";
    return out + " --signer-pin env:CEREMONY_PIN";
  }
  Cli() { ::setenv("CEREMONY_PIN", SoftHsmFixture::kUserPin, 1); }

  std::string path(const std::string& name) const { return tokens.path(name).string(); }
  std::string q(const std::string& name) const { return shell_quote(path(name)); }
  // " --pin-digest HEX" of v/trust-root-v1.json: hallmark-verify needs the anchor pinned.
  std::string pin() const {
    auto envelope = verifier::parse_envelope_json(read("v/trust-root-v1.json"));
    REQUIRE(envelope);
    return " --pin-digest " + verifier::sha256(as_bytes(envelope->payload()))->hex();
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path(name));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool exists(const std::string& name) const { return fs::exists(path(name)); }

  static CommandResult ceremony(const std::string& args) {
    return run_command(shell_quote(HALLMARK_CEREMONY_BIN) + " " + args);
  }
  static CommandResult verify(const std::string& args) {
    return run_command(shell_quote(HALLMARK_VERIFY_BIN) + " " + args);
  }
  static CommandResult station(const std::string& args) {
    return run_command(shell_quote(HALLMARK_STATION_BIN) + " " + args);
  }

  // plan-<name>.textproto with the given custodians and root threshold.
  std::string plan(const std::string& name, std::initializer_list<const char*> custodians,
                   uint32_t threshold) const {
    write("plan-" + name + ".textproto", plan_text(names(custodians), threshold));
    return q("plan-" + name + ".textproto");
  }

  CommandResult init(const std::string& present = "", const std::string& out = "v") const {
    const std::string plan_file = plan("v1", {"alice", "bob", "carol"}, 2);
    return ceremony("init --plan " + plan_file + " --out-dir " + q(out) + pins() +
                    (present.empty() ? "" : " --present " + present));
  }
};

}  // namespace

TEST_CASE("init via the CLI: 2 of 3 present writes trust root v1 and a transcript that verify") {
  Cli t;
  auto r = t.init("alice,bob");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  REQUIRE(t.exists("v/trust-root-v1.json"));
  REQUIRE(t.exists("v/trust-root-v1.transcript.json"));
  // The summary and digest came before the PIN that authorises each signature.
  const auto shown = r.err.find("alice: you are about to sign");
  const auto asked = r.err.find("PIN for custodian alice on token 'custodian-alice' to sign");
  REQUIRE(shown != std::string::npos);
  REQUIRE(asked != std::string::npos);
  CHECK(shown < asked);
  CHECK_FALSE(contains(r.err + r.out, SoftHsmFixture::kUserPin));

  // The ceremony reads out the anchor digest; an auditor pins it.
  const auto at = r.err.find("anchor digest: ");
  REQUIRE(at != std::string::npos);
  const std::string pin = " --pin-digest " + r.err.substr(at + 15, 64);
  auto root = Cli::verify("trust-root " + t.q("v/trust-root-v1.json") + pin);
  CHECK_MESSAGE(root.exit_code == 0, root.err);
  CHECK(contains(root.out, "version: 1"));
  CHECK(contains(root.out, "trust root anchor " + r.err.substr(at + 15, 64)));
  auto transcript = Cli::verify("transcript " + t.q("v/trust-root-v1.transcript.json") +
                                " --trust-root " + t.q("v/trust-root-v1.json") + pin);
  CHECK_MESSAGE(transcript.exit_code == 0, transcript.err);
  CHECK(contains(transcript.out, "generate-key"));
  // Every custodian signing the trust root was told to read aloud the same digest — its
  // payload SHA-256 — grouped in fours as the console shows it.
  auto v1_envelope = hallmark::verifier::parse_envelope_json(t.read("v/trust-root-v1.json"));
  REQUIRE(v1_envelope.has_value());
  const std::string grouped = hallmark::ceremony::group_for_reading(
      hallmark::verifier::sha256(hallmark::as_bytes(v1_envelope->payload()))->hex());
  for (const char* who : {"alice", "bob"}) {
    const auto panel = r.err.find(std::string(who) + ": you are about to sign ----\n  TRUST ROOT");
    REQUIRE_MESSAGE(panel != std::string::npos, who);
    const auto read = r.err.find("READ ALOUD: the payload SHA-256", panel);
    REQUIRE(read != std::string::npos);
    CHECK(r.err.substr(read, 300).find(grouped.substr(0, 39)) != std::string::npos);
  }
}

TEST_CASE("init via the CLI with 1 of 3 present exits 1 and writes only the transcript") {
  Cli t;
  // alice made her key before the ceremony and exported its public key for the auditors.
  auto key = Cli::ceremony("key generate --token pkcs11:token=custodian-alice --label custodian "
                           "--pin env:CEREMONY_PIN --public-out " + t.q("alice.pem"));
  REQUIRE_MESSAGE(key.exit_code == 0, key.err);
  auto r = t.init("alice");
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "only 1 custodian(s) present"));
  CHECK(contains(r.err, "transcript written to"));
  CHECK_FALSE(t.exists("v/trust-root-v1.json"));
  REQUIRE(t.exists("v/trust-root-v1.transcript.json"));
  // alice signed the record of the refusal; an auditor checks it with her public key.
  auto audit = Cli::verify("transcript " + t.q("v/trust-root-v1.transcript.json") + " --key " +
                           t.q("alice.pem") + " --threshold 1");
  CHECK_MESSAGE(audit.exit_code == 0, audit.err);
  CHECK(contains(audit.out, "refused"));
}

TEST_CASE("init via the CLI refuses one card presented for two custodians") {
  Cli t;
  t.write("plan-twice.textproto",
          plan_text({{"alice", ""},
                     {"bob", "pkcs11:serial=" + t.tokens.serial("custodian-alice")},
                     {"carol", ""}},
                    2));
  auto r = Cli::ceremony("init --plan " + t.q("plan-twice.textproto") + " --out-dir " +
                         t.q("v") + Cli::pins());
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "one card counts once"));
  CHECK_FALSE(t.exists("v/trust-root-v1.json"));
}

TEST_CASE("init via the CLI refuses an extractable custodian key") {
  Cli t;
  {
    auto session = t.tokens.hsm.open("custodian-carol");
    import_p256(session, "custodian", true);
  }
  auto r = t.init();
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "custodian carol"));
  CHECK(contains(r.err, "extractable"));
  CHECK_FALSE(t.exists("v/trust-root-v1.json"));
}

TEST_CASE("a wrong PIN then the right one on a file descriptor: asked again, recorded") {
  Cli t;
  REQUIRE(t.init().exit_code == 0);
  t.write("alice.pins", std::string("not-the-pin\n") + SoftHsmFixture::kUserPin + "\n");
  const std::string plan_file = t.plan("v1", {"alice", "bob", "carol"}, 2);
  auto r = Cli::ceremony("revoke --plan " + plan_file + " --trust-root " +
                         t.q("v/trust-root-v1.json") +
                         " --station line-7 --reason 'station decommissioned' --out " +
                         t.q("v/revocation-1.json") +
                         " --pin alice=fd:3 --pin bob=env:CEREMONY_PIN --present alice,bob 3<" +
                         t.q("alice.pins"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.err, "Wrong PIN for alice"));
  CHECK(contains(r.err, "attempt 2 of 3"));
  auto transcript = Cli::verify("transcript " + t.q("v/revocation-1.transcript.json") +
                                " --trust-root " + t.q("v/trust-root-v1.json") + t.pin());
  REQUIRE_MESSAGE(transcript.exit_code == 0, transcript.err);
  CHECK(contains(transcript.out, "wrong PIN (attempt 1 of 3"));
}

TEST_CASE("a wrong PIN from a variable is not tried again: the same PIN would use up the card's tries") {
  Cli t;
  REQUIRE(t.init().exit_code == 0);
  ::setenv("WRONG_PIN", "not-the-pin", 1);
  const std::string plan_file = t.plan("v1", {"alice", "bob", "carol"}, 2);
  auto r = Cli::ceremony("revoke --plan " + plan_file + " --trust-root " +
                         t.q("v/trust-root-v1.json") +
                         " --station line-7 --reason 'station decommissioned' --out " +
                         t.q("v/revocation-1.json") +
                         " --pin alice=env:WRONG_PIN --pin bob=env:CEREMONY_PIN --present alice,bob");
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err, "not tried again"));
  CHECK_FALSE(contains(r.err, "attempt 2 of 3"));
  CHECK_FALSE(contains(r.err + r.out, "not-the-pin"));
  CHECK_FALSE(t.exists("v/revocation-1.json"));
  // One wrong try on the card, not three: it is not on its final try.
  auto session = t.tokens.hsm.open("custodian-alice", false);
  auto state = session.pin_state();
  REQUIRE(state);
  CHECK(state->count_low);
  CHECK_FALSE(state->final_try);
  CHECK_FALSE(state->locked);
}

TEST_CASE("rotation via the CLI: v1 -> v2 -> v3 verifies, skipped and rolled-back chains do not") {
  Cli t;
  REQUIRE(t.init().exit_code == 0);
  const std::string plan1 = t.plan("v1", {"alice", "bob", "carol"}, 2);
  const std::string plan2 = t.plan("v2", {"alice", "bob", "dave"}, 2);
  const std::string plan3 = t.plan("v3", {"alice", "bob", "dave"}, 3);
  auto v2 = Cli::ceremony("rotate --trust-root " + t.q("v/trust-root-v1.json") + " --plan " +
                          plan2 + " --previous-plan " + plan1 + " --out-dir " + t.q("v") +
                          Cli::pins({"alice", "bob", "carol", "dave"}) +
                          " --present alice,carol,dave");
  REQUIRE_MESSAGE(v2.exit_code == 0, v2.err);
  auto v3 = Cli::ceremony("--json rotate --trust-root " + t.q("v/trust-root-v1.json") + " " +
                          t.q("v/trust-root-v2.json") + " --plan " + plan3 + " --out-dir " +
                          t.q("v") + Cli::pins({"alice", "bob", "dave"}));
  REQUIRE_MESSAGE(v3.exit_code == 0, v3.err);
  CHECK(contains(v3.out, "\"version\": \"3\""));

  const std::string v1f = t.q("v/trust-root-v1.json");
  const std::string v2f = t.q("v/trust-root-v2.json");
  const std::string v3f = t.q("v/trust-root-v3.json");
  auto chain = Cli::verify("trust-root " + v1f + " " + v2f + " " + v3f + t.pin());
  CHECK_MESSAGE(chain.exit_code == 0, chain.err);
  CHECK(contains(chain.out, "version: 3"));
  auto skipped = Cli::verify("trust-root " + v1f + " " + v3f + t.pin());
  CHECK(skipped.exit_code == 1);
  CHECK(contains(skipped.err, "skipped"));
  auto rollback = Cli::verify("trust-root " + v1f + " " + v2f + " " + v1f + t.pin());
  CHECK(rollback.exit_code == 1);

  // v3 needs all three of alice, bob and dave: two are not enough.
  auto short_quorum = Cli::ceremony("rotate --trust-root " + v1f + " " + v2f + " " + v3f +
                                    " --plan " + plan3 + " --out-dir " + t.q("v") +
                                    Cli::pins({"alice", "bob", "dave"}) + " --present alice,bob");
  CHECK(short_quorum.exit_code == 1);
  CHECK_FALSE(t.exists("v/trust-root-v4.json"));
  CHECK(t.exists("v/trust-root-v4.transcript.json"));
}

TEST_CASE("enroll-station via the CLI, then a revoked station is refused afterwards") {
  Cli t;
  REQUIRE(t.init().exit_code == 0);
  auto request = Cli::station("enroll --allow-software-token "
                              "--token pkcs11:token=station-1 --pin env:CEREMONY_PIN "
                              "--station-id line-1 --out " + t.q("request.json"));
  REQUIRE_MESSAGE(request.exit_code == 0, request.err);
  const std::string plan_file = t.plan("v1", {"alice", "bob", "carol"}, 2);
  const std::string common = " --plan " + plan_file + " --trust-root " +
                             t.q("v/trust-root-v1.json") + Cli::pins();
  auto enrolled = Cli::ceremony("--json enroll-station --request " + t.q("request.json") +
                                " --out " + t.q("v/line-1.json") + common);
  REQUIRE_MESSAGE(enrolled.exit_code == 0, enrolled.err);
  CHECK(contains(enrolled.out, "\"stationId\": \"line-1\""));
  CHECK(contains(enrolled.err, "station 'line-1'"));

  auto revoked = Cli::ceremony("revoke --station line-1 --reason 'stolen from the line' --out " +
                               t.q("v/revoke-line-1.json") + common);
  REQUIRE_MESSAGE(revoked.exit_code == 0, revoked.err);
  auto again = Cli::ceremony("enroll-station --request " + t.q("request.json") + " --out " +
                             t.q("v/line-1-again.json") + " --revocation " +
                             t.q("v/revoke-line-1.json") + common);
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "station 'line-1' is revoked"));
  CHECK_FALSE(t.exists("v/line-1-again.json"));
  CHECK(t.exists("v/line-1-again.transcript.json"));
}

TEST_CASE("a tampered transcript is detected by hallmark-verify transcript") {
  Cli t;
  REQUIRE(t.init().exit_code == 0);
  auto parsed = verifier::parse_envelope_json(t.read("v/trust-root-v1.transcript.json"));
  REQUIRE(parsed);
  v1::Envelope envelope = *parsed;
  std::string payload = envelope.payload();
  payload[payload.size() / 3] = static_cast<char>(payload[payload.size() / 3] ^ 0x04);
  envelope.set_payload(payload);
  t.write("tampered.json", verifier::envelope_to_json(envelope));
  auto ok = Cli::verify("transcript " + t.q("v/trust-root-v1.transcript.json") +
                        " --trust-root " + t.q("v/trust-root-v1.json") + t.pin());
  CHECK(ok.exit_code == 0);
  auto tampered = Cli::verify("transcript " + t.q("tampered.json") + " --trust-root " +
                              t.q("v/trust-root-v1.json") + t.pin());
  CHECK(tampered.exit_code == 1);
}

TEST_CASE("a PIN is never taken from argv and a --pin for an unknown custodian is refused") {
  Cli t;
  const std::string plan_file = t.plan("v1", {"alice", "bob", "carol"}, 2);
  auto bare = Cli::ceremony("init --plan " + plan_file + " --out-dir " + t.q("v") +
                            " --pin alice=" + SoftHsmFixture::kUserPin);
  CHECK(bare.exit_code == 2);
  CHECK_FALSE(contains(bare.err, SoftHsmFixture::kUserPin));
  auto typo = Cli::ceremony("init --plan " + plan_file + " --out-dir " + t.q("v") +
                            " --pin alcie=env:CEREMONY_PIN");
  CHECK(typo.exit_code == 2);
  CHECK(contains(typo.err, "'alcie'"));
  CHECK_FALSE(t.exists("v/trust-root-v1.transcript.json"));  // refused before it started
}

// approve → promote → verify through the binaries, on throwaway SoftHSM tokens. PINs reach
// the binaries through environment variables named on the command line, never argv.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>

#include "tests/bundle/bundle_test_support.h"
#include "tests/promote/promote_test_support.h"
#include "tests/support/run_command.h"
#include "signer/store/evidence_store.h"
#include "verifier/bundle/bundle_reader.h"
#include "verifier/core/dsse.h"

using namespace hallmark;
using namespace hallmark::promote::testing;
using hallmark::testing::CommandResult;
using hallmark::testing::run_command;
using hallmark::testing::shell_quote;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct Cli {
  World w;
  Cli() {
    ::setenv("PROMOTE_PIN", hallmark::testing::SoftHsmFixture::kUserPin, 1);
    ::setenv("WRONG_PIN", "not-the-pin", 1);
    w.dir.write("plan.textproto",
                hallmark::testing::plan_text(hallmark::testing::names({"alice", "bob", "carol"}),
                                             2, 2));
    w.dir.write("v1.json", verifier::envelope_to_json(w.v1_root));
  }
  std::string q(const std::string& name) const { return shell_quote(w.path(name).string()); }
  static CommandResult run(const char* bin, const std::string& args) {
    return run_command(shell_quote(bin) + " " + args);
  }
  CommandResult create() const {
    const fs::path spec = w.write_spec("2.0.1", 9);
    return run(HALLMARK_SIGNER_BIN, "bundle create --spec " + shell_quote(spec.string()) +
                                        " --catalog " + q("catalog.textproto") + " --out " +
                                        q("r.bundle"));
  }
  CommandResult approve(const std::string& who) const {
    return run(HALLMARK_CEREMONY_BIN,
               "approve " + q("r.bundle") + " --plan " + q("plan.textproto") + " --trust-root " +
                   q("v1.json") + " --custodian " + who +
                   " --channel production --request-id CR-7 --out " + q("ap-" + who + ".json") +
                   " --pin " + who + "=env:PROMOTE_PIN");
  }
  CommandResult promote(const std::string& pin_env = "PROMOTE_PIN",
                        const std::string& more = "") const {
    return run(HALLMARK_SIGNER_BIN,
               "promote " + q("r.bundle") + " --approval " + q("ap-alice.json") + " --approval " +
                   q("ap-bob.json") + " --trust-root " + q("v1.json") +
                   " --allow-software-token "
                   "--key 'pkcs11:token=signer-hsm;object=release' --pin env:" + pin_env +
                   " --history " + q("history") + " --channel production --out " +
                   q("promoted.bundle") + more);
  }
  CommandResult verify(const std::string& file) const {
    const auto pin = verifier::sha256(as_bytes(w.v1_root.payload()));
    return run(HALLMARK_VERIFY_BIN, "bundle " + q(file) + " --trust-root " + q("v1.json") +
                                        " --pin-digest " + pin->hex());
  }
  void prepare() const {
    auto made = create();
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    for (const char* who : {"alice", "bob"}) {
      auto a = approve(who);
      INFO(a.err);
      REQUIRE(a.exit_code == 0);
    }
  }
};

}  // namespace

TEST_CASE("approve twice, promote and hallmark-verify bundle: OK with the key-id mapping") {
  Cli c;
  c.prepare();
  const auto p = c.promote();
  INFO(p.err);
  REQUIRE(p.exit_code == 0);
  const auto v = c.verify("promoted.bundle");
  INFO(v.err);
  REQUIRE(v.exit_code == 0);
  CHECK(has(v.out, "OK: promoted bundle verified"));
  CHECK(has(v.out, "by alice"));
  CHECK(has(v.out, "by bob"));
  CHECK(has(v.out, "ESP32 eFuse key digest"));
  CHECK(has(v.out, "MCUboot key hash"));
  CHECK(has(v.out, "PKCS#11 CKA_ID"));
  CHECK(has(c.w.history_text(), "\t2.0.1\t9\t"));
}

TEST_CASE("promote --store records the promoted release in the evidence store") {
  Cli c;
  c.prepare();
  const auto p = c.promote("PROMOTE_PIN", " --store " + c.q("evidence.db"));
  INFO(p.err);
  REQUIRE(p.exit_code == 0);
  CHECK(has(p.err, "Recorded in sqlite:" + c.w.path("evidence.db").string()));
  auto contents = bundle::read_bundle(c.w.path("promoted.bundle"));
  REQUIRE(contents);
  auto store = evidence::open_store(c.w.path("evidence.db").string());
  REQUIRE(store);
  auto row = (*store)->release(contents->bundle_digest);
  REQUIRE(row);
  REQUIRE(row->has_value());
  CHECK((*row)->version == "2.0.1");
}

TEST_CASE("bundle show of a promoted bundle prints the release key-id mapping as recorded") {
  Cli c;
  c.prepare();
  REQUIRE(c.promote().exit_code == 0);
  const auto s = Cli::run(HALLMARK_SIGNER_BIN, "bundle show " + c.q("promoted.bundle") +
                                                   " --history " + c.q("history"));
  INFO(s.err);
  INFO(s.out);
  REQUIRE(s.exit_code == 0);
  // Derived independently from the release public key on the token.
  const auto release = c.w.release();
  const auto expected = bundle::key_id_mapping(release.key.signer.public_key(),
                                               to_hex(release.key.signer.ckaid()));
  REQUIRE(expected.esp32_efuse_digest);
  REQUIRE(expected.mcuboot_key_hash);
  CHECK(has(s.out, "Release key id mapping"));
  CHECK(has(s.out, "DSSE key id (SHA-256 of SPKI)     " + expected.dsse_key_id));
  CHECK(has(s.out, "PKCS#11 CKA_ID                    " + expected.ckaid_hex));
  CHECK(has(s.out, "ESP32 eFuse key digest (SBv2)     " + expected.esp32_efuse_digest->hex()));
  CHECK(has(s.out, "MCUboot key hash (KEYHASH TLV)    " + expected.mcuboot_key_hash->hex()));
  CHECK(has(s.out, "run hallmark-verify bundle to check"));
  // It is itself the last promoted for its SKU.
  CHECK(has(s.out, "the last promoted for SKU combo-1 (version 2.0.1"));
  CHECK(has(s.out, "this is the same bundle"));

  // An unpromoted bundle has no mapping to show.
  const auto plain = Cli::run(HALLMARK_SIGNER_BIN, "bundle show " + c.q("r.bundle"));
  REQUIRE(plain.exit_code == 0);
  CHECK_FALSE(has(plain.out, "Release key id mapping"));
}

TEST_CASE("approve through the CLI never replaces an existing approval file") {
  Cli c;
  REQUIRE(c.create().exit_code == 0);
  const auto a = c.approve("alice");
  REQUIRE(a.exit_code == 0);
  const auto again = c.approve("alice");  // the output exists: never replaced
  CHECK(again.exit_code != 0);
}

TEST_CASE("a tampered promoted bundle is exit 1 naming the entry") {
  Cli c;
  c.prepare();
  REQUIRE(c.promote().exit_code == 0);
  for (const char* prefix : {"images/", "native/", "hallmark/bundle.pb"}) {
    CAPTURE(prefix);
    const std::string entry = flip_byte(c.w.path("promoted.bundle"), c.w.path("bad.bundle"),
                                        prefix, 200);
    const auto v = c.verify("bad.bundle");
    CAPTURE(v.err);
    CHECK(v.exit_code == 1);
    if (entry != "hallmark/bundle.pb") CHECK(has(v.err, entry));
    fs::remove(c.w.path("bad.bundle"));
  }
}

TEST_CASE("a wrong release PIN leaves no output, no temp file and no history") {
  Cli c;
  c.prepare();
  const auto p = c.promote("WRONG_PIN");
  INFO(p.err);
  CHECK(p.exit_code == 3);
  CHECK_FALSE(fs::exists(c.w.path("promoted.bundle")));
  CHECK(c.w.history_text().empty());
  for (const auto& name : c.w.files()) CHECK(name.find("tmp") == std::string::npos);
}

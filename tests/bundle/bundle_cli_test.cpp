// hallmark-signer bundle create / show end to end: exit codes, output, no partial files.
#include <doctest/doctest.h>

#include <filesystem>

#include "verifier/bundle/promotion_history.h"
#include "tests/bundle/bundle_test_support.h"
#include "tests/support/run_command.h"
#include "verifier/bundle/bundle_reader.h"

using namespace hallmark;
using namespace hallmark::bundle::testing;
using hallmark::testing::CommandResult;
using hallmark::testing::run_command;
using hallmark::testing::shell_quote;
namespace fs = std::filesystem;

namespace {

CommandResult signer(const std::string& args, const std::string& env = "") {
  return run_command(env + " " + shell_quote(HALLMARK_SIGNER_BIN) + " " + args);
}

CommandResult create(const Workspace& w, const std::string& out, const std::string& env = "") {
  const fs::path spec = w.write_textprotos();
  return signer("bundle create --spec " + shell_quote(spec.string()) + " --catalog " +
                    shell_quote(w.path("catalog.textproto").string()) + " --out " +
                    shell_quote(w.path(out).string()),
                env);
}

// Records `bundle` in the promotion history `dir` as promote does: the line and the manifest.
void record_promotion(const fs::path& dir, const fs::path& bundle) {
  auto contents = bundle::read_bundle(bundle);
  REQUIRE(contents);
  auto history = promote::PromotionHistory::open(dir, contents->bundle.sku());
  REQUIRE(history);
  const promote::HistoryRecord record{1700000000, contents->bundle.sku(),
                                      contents->bundle.version(),
                                      contents->bundle.security_counter(),
                                      contents->bundle_digest, "production"};
  auto ok = history->append(record, contents->bundle_bytes);
  REQUIRE_MESSAGE(ok, (ok ? "" : ok.error().message));
}

}  // namespace

TEST_CASE("bundle create writes a bundle and bundle show summarises it, both exit 0") {
  Workspace w;
  const auto made = create(w, "r.bundle");
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  CHECK(mentions(made.out, "Wrote " + w.path("r.bundle").string()));
  CHECK(mentions(made.err, "bundle digest "));
  const auto shown = signer("bundle show " + shell_quote(w.path("r.bundle").string()));
  INFO(shown.err);
  CHECK(shown.exit_code == 0);
  CHECK(mentions(shown.out, "SKU               sensor-c3"));
  CHECK(mentions(shown.out, "[0x10000, 0x5b000)"));
  CHECK(mentions(shown.out, "burn-efuse debug-disable"));
}

TEST_CASE("bundle create with SOURCE_DATE_EPOCH gives byte-identical files") {
  Workspace w;
  REQUIRE(create(w, "a.bundle", "SOURCE_DATE_EPOCH=1700000000").exit_code == 0);
  REQUIRE(create(w, "b.bundle", "SOURCE_DATE_EPOCH=1700000000").exit_code == 0);
  CHECK(read_bytes(w.path("a.bundle")) == read_bytes(w.path("b.bundle")));
}

TEST_CASE("bundle create with an unknown SKU exits 1 and writes nothing") {
  Workspace w;
  w.spec.set_sku("nope");
  const auto r = create(w, "r.bundle");
  CHECK(r.exit_code == 1);
  CHECK(mentions(r.err, "unknown SKU 'nope'"));
  CHECK_FALSE(fs::exists(w.path("r.bundle")));
}

TEST_CASE("bundle create with overlapping images exits 1 naming both") {
  Workspace w;
  find_image(w.spec, "app")->set_flash_address(0x1000);
  const auto r = create(w, "r.bundle");
  CHECK(r.exit_code == 1);
  CHECK(mentions(r.err, "images 'boot' [0x0, 0x6000) and 'app' [0x1000, 0x4c000) overlap"));
}

TEST_CASE("bundle create with a missing image file exits 4 naming the path") {
  Workspace w;
  fs::remove(w.path("app.bin"));
  const auto r = create(w, "r.bundle");
  CHECK(r.exit_code == 4);
  CHECK(mentions(r.err, w.path("app.bin").string()));
  CHECK_FALSE(fs::exists(w.path("r.bundle")));
}

TEST_CASE("bundle create with a malformed spec exits 2 naming file and line") {
  Workspace w;
  w.write_textprotos();
  const auto spec = w.dir.write("bad.textproto", "sku: \"sensor-c3\"\nimages { colour: 1 }\n");
  const auto r = signer("bundle create --spec " + shell_quote(spec.string()) + " --catalog " +
                        shell_quote(w.path("catalog.textproto").string()) + " --out " +
                        shell_quote(w.path("r.bundle").string()));
  CHECK(r.exit_code == 2);
  CHECK(mentions(r.err, spec.string() + ":2:"));
}

TEST_CASE("bundle create without --out is a usage error (exit 2)") {
  Workspace w;
  const auto spec = w.write_textprotos();
  CHECK(signer("bundle create --spec " + shell_quote(spec.string())).exit_code == 2);
}

TEST_CASE("bundle show of a tampered bundle exits 1 naming the entry") {
  Workspace w;
  REQUIRE(create(w, "r.bundle").exit_code == 0);
  std::string bytes = read_bytes(w.path("r.bundle"));
  const auto at = bytes.find(read_bytes(w.path("app.bin")).substr(0, 64));
  REQUIRE(at != std::string::npos);
  bytes[at + 10] = static_cast<char>(bytes[at + 10] ^ 0x80);
  write_bytes(w.path("r.bundle"), bytes);
  const auto r = signer("bundle show " + shell_quote(w.path("r.bundle").string()));
  CHECK(r.exit_code == 1);
  CHECK(mentions(r.err, "entry 'images/sha256-"));
  CHECK(r.out.empty());
}

TEST_CASE("bundle show of a missing file exits 4") {
  Workspace w;
  CHECK(signer("bundle show " + shell_quote(w.path("none.bundle").string())).exit_code == 4);
}

TEST_CASE("bundle show --json prints the Bundle in protobuf JSON") {
  Workspace w;
  REQUIRE(create(w, "r.bundle").exit_code == 0);
  const auto r = signer("bundle show --json " + shell_quote(w.path("r.bundle").string()));
  CHECK(r.exit_code == 0);
  CHECK(mentions(r.out, "\"sku\": \"sensor-c3\""));
  CHECK(mentions(r.out, "\"securityCounter\": \"3\""));
  CHECK(mentions(r.out, "\"flashAddress\": \"65536\""));
}

TEST_CASE("bundle show --against prints what changed since the earlier bundle") {
  Workspace w;
  REQUIRE(create(w, "old.bundle").exit_code == 0);
  w.spec.set_version("1.3.0");
  w.spec.mutable_efuses(0)->set_value("\x03");
  REQUIRE(create(w, "new.bundle").exit_code == 0);
  const auto r = signer("bundle show " + shell_quote(w.path("new.bundle").string()) +
                        " --against " + shell_quote(w.path("old.bundle").string()));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(mentions(r.out, "version: 1.2.0 -> 1.3.0"));
  CHECK(mentions(r.out, "eFuse 'secure-boot-enable' value: 01 -> 03"));
}

TEST_CASE("bundle show --history diffs against the last bundle promoted for the SKU") {
  Workspace w;
  REQUIRE(create(w, "old.bundle").exit_code == 0);
  w.spec.set_version("1.3.0");
  w.spec.set_security_counter(4);
  REQUIRE(create(w, "new.bundle").exit_code == 0);
  const fs::path history = w.path("history");
  fs::create_directories(history);

  const auto first = signer("bundle show " + shell_quote(w.path("old.bundle").string()) +
                            " --history " + shell_quote(history.string()));
  INFO(first.err);
  CHECK(first.exit_code == 0);
  CHECK(mentions(first.out, "First promotion for SKU sensor-c3"));

  record_promotion(history, w.path("old.bundle"));
  auto old_contents = bundle::read_bundle(w.path("old.bundle"));
  REQUIRE(old_contents);
  const auto r = signer("bundle show " + shell_quote(w.path("new.bundle").string()) +
                        " --history " + shell_quote(history.string()));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(mentions(r.out, "the last promoted for SKU sensor-c3 (version 1.2.0"));
  CHECK(mentions(r.out, old_contents->bundle_digest.hex()));
  CHECK(mentions(r.out, "version: 1.2.0 -> 1.3.0"));
  CHECK(mentions(r.out, "security counter: 3 -> 4"));
  CHECK_FALSE(mentions(r.out, "First promotion"));
}

TEST_CASE("bundle show --history refuses a stored manifest that was changed (exit 1)") {
  Workspace w;
  REQUIRE(create(w, "old.bundle").exit_code == 0);
  const fs::path history = w.path("history");
  record_promotion(history, w.path("old.bundle"));
  auto old_contents = bundle::read_bundle(w.path("old.bundle"));
  REQUIRE(old_contents);
  const fs::path stored =
      promote::stored_manifest_path(history, "sensor-c3", old_contents->bundle_digest);
  fs::permissions(stored, fs::perms::owner_write, fs::perm_options::add);
  write_bytes(stored, read_bytes(stored) + "x");
  const auto r = signer("bundle show " + shell_quote(w.path("old.bundle").string()) +
                        " --history " + shell_quote(history.string()));
  CHECK(r.exit_code == 1);
  CHECK(mentions(r.err, "it was changed"));
}

TEST_CASE("bundle show with both --against and --history is a usage error (exit 2)") {
  Workspace w;
  REQUIRE(create(w, "r.bundle").exit_code == 0);
  const auto r = signer("bundle show " + shell_quote(w.path("r.bundle").string()) + " --against " +
                        shell_quote(w.path("r.bundle").string()) + " --history " +
                        shell_quote(w.path("h").string()));
  CHECK(r.exit_code == 2);
}

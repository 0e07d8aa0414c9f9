// Summary and diff: what a custodian reads before approving must show every change.
#include <doctest/doctest.h>

#include "verifier/bundle/bundle_show.h"
#include "signer/bundle/bundle_writer.h"
#include "tests/bundle/bundle_test_support.h"

using namespace hallmark;
using namespace hallmark::bundle;
using namespace hallmark::bundle::testing;

namespace {

BundleSummary make(const Workspace& w, const std::string& name) {
  auto created = create_bundle(w.spec, w.dir.path(), w.catalog, w.path(name), kCreated);
  REQUIRE_MESSAGE(created.has_value(), created.error().message);
  return *created;
}

std::string hex_of(const std::string& raw) { return to_hex(as_bytes(raw)); }

}  // namespace

TEST_CASE("the summary shows SKU, version, counter, images, plan, eFuses, profile and digest") {
  Workspace w;
  const auto s = make(w, "a.bundle");
  const std::string text = render_summary(s.bundle, s.bundle_digest);
  INFO(text);
  CHECK(mentions(text, s.bundle_digest.hex()));
  CHECK(mentions(text, "sensor-c3"));
  CHECK(mentions(text, "esp32-c3"));
  CHECK(mentions(text, "1.2.0"));
  CHECK(mentions(text, "security counter  3"));
  CHECK(mentions(text, "a11ce0000000000000000000000000000000000000000000000000000000face"));
  CHECK(mentions(text, "2023-11-14T22:13:20Z"));
  CHECK(mentions(text, "[0x10000, 0x5b000)"));
  CHECK(mentions(text, "esp32-secure-boot-v2"));
  CHECK(mentions(text, hex_of(s.bundle.images(1).sha256())));
  CHECK(mentions(text, " 5. burn-efuse secure-boot-enable"));
  CHECK(mentions(text, "debug-disable = 01"));
  CHECK(mentions(text, "CN=${serial},O=Example"));
}

// Custodians read "key-digest = 72656c65617365..." (the ASCII of "release-key") and were
// told to compare it with the key's digest.
TEST_CASE("the summary names a release-key eFuse value as the release key's digest, not its ASCII in hex") {
  Workspace w;
  auto* key = w.spec.add_efuses();
  key->set_name("key-digest");
  key->set_value("release-key");
  const v1::Bundle bundle = [&] {
    v1::Bundle b;
    *b.mutable_efuses() = w.spec.efuses();
    return b;
  }();
  const std::string text = render_summary(bundle, *verifier::Digest::from_bytes(as_bytes(std::string(32, 'x'))));
  INFO(text);
  CHECK(mentions(text, "key-digest = release-key (the digest of the release key that signs the "
                       "bootloader"));
  CHECK_FALSE(mentions(text, hex_of("release-key")));
  CHECK(mentions(text, "debug-disable = 01 (1 bytes)"));
}

TEST_CASE("the diff shows a changed version, counter, image digest, plan step and eFuse") {
  Workspace w;
  const auto before = make(w, "a.bundle");
  w.spec.set_version("1.3.0");
  w.spec.set_security_counter(4);
  w.dir.write("app.bin", pattern(300 * 1024, 99));
  w.spec.mutable_plan()->DeleteSubrange(2, 1);  // no more read-back of app
  w.spec.mutable_efuses(1)->set_value("\x02");
  const auto after = make(w, "b.bundle");
  auto diff = render_diff(before.bundle, after.bundle);
  REQUIRE(diff.has_value());
  INFO(*diff);
  CHECK(mentions(*diff, "version: 1.2.0 -> 1.3.0"));
  CHECK(mentions(*diff, "security counter: 3 -> 4"));
  CHECK(mentions(*diff, "image 'app' sha256: " + hex_of(before.bundle.images(1).sha256()) +
                            " -> " + hex_of(after.bundle.images(1).sha256())));
  CHECK_FALSE(mentions(*diff, "image 'boot'"));
  CHECK(mentions(*diff, "    - verify-readback app"));
  CHECK(mentions(*diff, "eFuse 'debug-disable' value: 01 -> 02"));
  CHECK_FALSE(mentions(*diff, "eFuse 'secure-boot-enable'"));
}

TEST_CASE("the diff lists added and removed images and a moved image's region") {
  Workspace w;
  const auto before = make(w, "a.bundle");
  find_image(w.spec, "boot")->set_name("loader");
  w.spec.mutable_plan(0)->set_image("loader");
  find_image(w.spec, "app")->set_flash_address(0x20000);
  const auto after = make(w, "b.bundle");
  auto diff = render_diff(before.bundle, after.bundle);
  REQUIRE(diff.has_value());
  INFO(*diff);
  CHECK(mentions(*diff, "image 'loader' added"));
  CHECK(mentions(*diff, "image 'boot' removed"));
  CHECK(mentions(*diff, "image 'app' region: [0x10000, 0x5b000) (307200 bytes) -> "
                        "[0x20000, 0x6b000) (307200 bytes)"));
  CHECK(mentions(*diff, "    - write boot\n    + write loader"));
}

TEST_CASE("a lower security counter is flagged as a downgrade in the diff") {
  Workspace w;
  const auto before = make(w, "a.bundle");
  w.spec.set_security_counter(2);
  auto diff = render_diff(before.bundle, make(w, "b.bundle").bundle);
  REQUIRE(diff.has_value());
  CHECK(mentions(*diff, "security counter: 3 -> 2 (LOWER: a downgrade)"));
}

TEST_CASE("the diff of identical bundles says nothing changed") {
  Workspace w;
  const auto a = make(w, "a.bundle");
  auto diff = render_diff(a.bundle, a.bundle);
  REQUIRE(diff.has_value());
  CHECK(mentions(*diff, "no changes"));
}

TEST_CASE("bundles of different SKUs are not compared") {
  Workspace w;
  const auto a = make(w, "a.bundle");
  v1::Bundle other = a.bundle;
  other.set_sku("gateway-nrf");
  auto diff = render_diff(other, a.bundle);
  REQUIRE_FALSE(diff.has_value());
  CHECK(diff.error().code == ErrorCode::kUsage);
  CHECK(mentions(diff.error().message, "different SKUs ('gateway-nrf' and 'sensor-c3')"));
}

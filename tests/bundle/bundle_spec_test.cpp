// Spec checks: each refusal happens before any image is hashed and names what is wrong.
#include <doctest/doctest.h>

#include "signer/bundle/bundle_spec.h"
#include "tests/bundle/bundle_test_support.h"
#include "verifier/bundle/bundle_rules.h"

using namespace hallmark;
using namespace hallmark::bundle;
using namespace hallmark::bundle::testing;

namespace {

Error plan_error(const Workspace& w) {
  auto planned = plan_bundle(w.spec, w.dir.path(), w.catalog, kCreated);
  REQUIRE_FALSE(planned.has_value());
  INFO(planned.error().message);
  return planned.error();
}

}  // namespace

TEST_CASE("a valid spec plans a bundle with sizes from the files and family from the SKU") {
  Workspace w;
  auto planned = plan_bundle(w.spec, w.dir.path(), w.catalog, kCreated);
  REQUIRE_MESSAGE(planned.has_value(), planned.error().message);
  CHECK(planned->bundle.device_family() == "esp32-c3");
  CHECK(planned->bundle.flash_size() == kFlashSize);
  CHECK(planned->bundle.images(1).size() == 300 * 1024);
  CHECK(planned->bundle.created_unix() == kCreated);
  CHECK(planned->paths[1] == w.path("app.bin"));
}

TEST_CASE("a spec with a syntax error is refused naming the file and line") {
  auto parsed = parse_bundle_spec("sku: \"x\"\nversion: 1.0\nimages { nme: \"a\" }\n",
                                  "release/spec.textproto");
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().code == ErrorCode::kUsage);
  CHECK(mentions(parsed.error().message, "release/spec.textproto:"));
  CHECK((mentions(parsed.error().message, ":2:") || mentions(parsed.error().message, ":3:")));
}

TEST_CASE("a catalogue listing the same SKU twice is refused") {
  auto parsed = parse_sku_catalog(
      "skus { sku: \"a\" device_family: \"f\" flash_size: 1 }\n"
      "skus { sku: \"a\" device_family: \"g\" flash_size: 2 }\n",
      "skus.textproto");
  REQUIRE_FALSE(parsed.has_value());
  CHECK(mentions(parsed.error().message, "'a' is listed twice"));
}

TEST_CASE("an unknown SKU is refused and the known SKUs are listed") {
  Workspace w;
  w.spec.set_sku("sensor-c6");
  const Error e = plan_error(w);
  CHECK(e.code == ErrorCode::kPolicyRefused);
  CHECK(mentions(e.message, "unknown SKU 'sensor-c6': known SKUs are sensor-c3, gateway-nrf"));
}

TEST_CASE("overlapping flash regions are refused naming both images and the range") {
  Workspace w;
  find_image(w.spec, "app")->set_flash_address(0x4000);  // boot covers [0x0, 0x6000)
  const Error e = plan_error(w);
  CHECK(e.code == ErrorCode::kPolicyRefused);
  CHECK(mentions(e.message, "'boot' [0x0, 0x6000)"));
  CHECK(mentions(e.message, "'app' [0x4000, 0x4f000)"));
  CHECK(mentions(e.message, "overlap at [0x4000, 0x6000)"));
}

TEST_CASE("an image nested inside a larger one is refused as an overlap") {
  Workspace w;
  find_image(w.spec, "boot")->set_flash_address(0x20000);  // inside app [0x10000, 0x5b000)
  const Error e = plan_error(w);
  CHECK(mentions(e.message, "'app' [0x10000, 0x5b000) and 'boot' [0x20000, 0x26000)"));
  CHECK(mentions(e.message, "overlap at [0x20000, 0x26000)"));
}

TEST_CASE("adjacent regions that only touch are accepted") {
  Workspace w;
  find_image(w.spec, "app")->set_flash_address(0x6000);  // boot ends exactly at 0x6000
  CHECK(plan_bundle(w.spec, w.dir.path(), w.catalog, kCreated).has_value());
}

TEST_CASE("an image too large for the SKU's flash is refused") {
  Workspace w;
  find_image(w.spec, "app")->set_flash_address(kFlashSize - 0x1000);
  const Error e = plan_error(w);
  CHECK(e.code == ErrorCode::kPolicyRefused);
  CHECK(mentions(e.message, "image 'app'"));
  CHECK(mentions(e.message, "past the end of the 4194304-byte (0x400000) flash"));
}

TEST_CASE("an address near 2^64 cannot wrap around the flash size check") {
  Workspace w;
  find_image(w.spec, "app")->set_flash_address(~std::uint64_t{0} - 100);
  CHECK(mentions(plan_error(w).message, "past the end"));
}

TEST_CASE("a missing image file is refused naming its path") {
  Workspace w;
  find_image(w.spec, "app")->set_path("out/missing-app.bin");
  const Error e = plan_error(w);
  CHECK(e.code == ErrorCode::kIo);
  CHECK(mentions(e.message, (w.dir.path() / "out/missing-app.bin").string()));
  CHECK(mentions(e.message, "image 'app'"));
}

TEST_CASE("a format the device family does not boot is refused") {
  Workspace w;
  find_image(w.spec, "app")->set_format(v1::MCUBOOT);
  const Error e = plan_error(w);
  CHECK(e.code == ErrorCode::kPolicyRefused);
  CHECK(mentions(e.message, "image 'app' has format MCUBOOT"));
  CHECK(mentions(e.message, "esp32-c3"));
  CHECK(mentions(e.message, "allowed: RAW, ESP32_SECURE_BOOT_V2"));
}

TEST_CASE("an eFuse burn before another step is refused: burns come last") {
  Workspace w;
  auto* plan = w.spec.mutable_plan();
  plan->SwapElements(3, 4);  // burn secure-boot before provisioning the identity
  const Error e = plan_error(w);
  CHECK(e.code == ErrorCode::kPolicyRefused);
  CHECK(mentions(e.message, "plan step 5 (provision-identity) comes after the eFuse burn in "
                            "step 4"));
}

TEST_CASE("measuring after the eFuse burns is accepted: eFuses last, then measure") {
  Workspace w;
  auto* plan = w.spec.mutable_plan();
  plan->Add()->set_kind(v1::ProvisioningStep::MEASURE);
  plan->SwapElements(5, 6);  // a measure between the two burns changes nothing either
  plan->Add()->set_kind(v1::ProvisioningStep::MEASURE);  // and one after both
  REQUIRE(plan->Get(5).kind() == v1::ProvisioningStep::MEASURE);
  REQUIRE(plan->Get(7).kind() == v1::ProvisioningStep::MEASURE);
  auto planned = plan_bundle(w.spec, w.dir.path(), w.catalog, kCreated);
  CHECK_MESSAGE(planned.has_value(), planned.error().message);
}

TEST_CASE("writing or reading back flash after an eFuse burn is refused, even after a measure") {
  for (const auto kind : {v1::ProvisioningStep::WRITE_IMAGE,
                          v1::ProvisioningStep::VERIFY_READBACK}) {
    Workspace w;
    w.spec.add_plan()->set_kind(v1::ProvisioningStep::MEASURE);
    auto* late = w.spec.add_plan();
    late->set_kind(kind);
    late->set_image("app");
    const Error e = plan_error(w);
    CHECK(e.code == ErrorCode::kPolicyRefused);
    CHECK(mentions(e.message, "plan step 8 (" + describe_step(*late) +
                                  ") comes after the eFuse burn in step 5"));
    CHECK(mentions(e.message, "only eFuse burns and measurements may follow"));
  }
}

TEST_CASE("plan steps naming absent images or eFuses are refused") {
  Workspace w;
  w.spec.mutable_plan(2)->set_image("ap");
  CHECK(mentions(plan_error(w).message, "names image 'ap', which is not in the bundle"));
  Workspace w2;
  w2.spec.mutable_plan(5)->set_efuse("jtag-off");
  CHECK(mentions(plan_error(w2).message, "burns eFuse 'jtag-off', which is not in the eFuse"));
}

TEST_CASE("a read-back before the image is written is refused") {
  Workspace w;
  w.spec.mutable_plan()->SwapElements(1, 2);
  CHECK(mentions(plan_error(w).message, "reads back image 'app' before any step writes it"));
}

TEST_CASE("the same eFuse burnt twice is refused: eFuses are one-time") {
  Workspace w;
  w.spec.mutable_plan(5)->set_efuse("secure-boot-enable");
  CHECK(mentions(plan_error(w).message, "burns eFuse 'secure-boot-enable' again"));
}

TEST_CASE("an image the plan never writes is refused") {
  Workspace w;
  w.spec.mutable_plan()->DeleteSubrange(0, 1);
  CHECK(mentions(plan_error(w).message, "image 'boot' is never written by the plan"));
}

TEST_CASE("an empty version, SKU or requester is refused as a usage error") {
  Workspace w;
  w.spec.clear_version();
  CHECK(plan_error(w).code == ErrorCode::kUsage);
  CHECK(mentions(plan_error(w).message, "empty version"));
  Workspace w2;
  w2.spec.clear_requester();
  CHECK(mentions(plan_error(w2).message, "requester"));
}

TEST_CASE("identity provisioning without a certificate profile is refused") {
  Workspace w;
  w.spec.clear_certificate_profile();
  CHECK(mentions(plan_error(w).message, "certificate profile"));
}

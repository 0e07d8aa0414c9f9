// The simulated boot ROM: once secure boot is enabled, only a bootloader signed by the key
// whose digest is burned in eFuse boots. Images are signed here, in the test, with
// signer/native and in-memory OpenSSL keys; the station code never links the signer.
#include <doctest/doctest.h>

#include "signer/native/esp32_signer.h"
#include "station-agent/driver/device_driver.h"
#include "tests/devsim/devsim_fixture.h"
#include "tests/native/native_test_support.h"
#include "tests/support/test_keys.h"
#include "verifier/native/esp32_secure_boot_v2.h"

using namespace hallmark;
using hallmark::testing::DevSim;

namespace {

struct Key {
  ossl::PkeyPtr pkey = testing::generate_openssl_key("P-256");
  verifier::PublicKey pub = testing::public_key_of(pkey.get());

  Bytes sign_bootloader(const Bytes& image) const {
    auto signed_image = native::sign_esp32_sbv2(image, pub, testing::memory_signer(pkey.get()));
    REQUIRE(signed_image.has_value());
    return std::move(*signed_image);
  }
};

// A device with secure boot enabled for `release` (key digest burned first, then enable).
std::unique_ptr<device::DeviceDriver> secured_device(const DevSim& sim, const Key& release) {
  auto dev = device::open_driver(sim.uri());
  REQUIRE(dev.has_value());
  auto digest = native::esp32_key_digest(release.pub);
  REQUIRE(digest.has_value());
  REQUIRE((*dev)->burn_efuse(device::kEfuseKeyDigest, digest->bytes()));
  REQUIRE((*dev)->burn_efuse(device::kEfuseSecureBoot, Bytes{std::byte{1}}));
  return std::move(*dev);
}

}  // namespace

TEST_CASE("secure boot: a bootloader signed by the eFuse key boots") {
  DevSim sim;
  const Key release;
  auto dev = secured_device(sim, release);
  const Bytes signed_image = release.sign_bootloader(testing::firmware(20000, 5));
  REQUIRE(dev->write(0, signed_image, {}));
  auto boot = dev->reset();
  REQUIRE(boot.has_value());
  CHECK_MESSAGE(boot->boots, boot->reason);
  CHECK(boot->reason.find(release.pub.key_id()) != std::string::npos);
  auto m = dev->measure({{0, static_cast<std::uint32_t>(signed_image.size())}});
  REQUIRE(m.has_value());
  CHECK(m->boot.boots);
  CHECK(m->efuses.secure_boot_enabled);
  CHECK(m->region_digests.at(0) == *verifier::sha256(signed_image));
}

TEST_CASE("secure boot: a bootloader signed by another key is refused") {
  DevSim sim;
  const Key release, attacker;
  auto dev = secured_device(sim, release);
  REQUIRE(dev->write(0, attacker.sign_bootloader(testing::firmware(20000, 5)), {}));
  auto boot = dev->reset();
  REQUIRE(boot.has_value());
  CHECK_FALSE(boot->boots);
  CHECK(boot->reason.find("refused") != std::string::npos);
}

TEST_CASE("secure boot: an unsigned bootloader is refused once enabled, booted before") {
  DevSim sim;
  const Key release;
  auto dev = device::open_driver(sim.uri());
  REQUIRE(dev.has_value());
  REQUIRE((*dev)->write(0, testing::firmware(20000, 5), {}));
  auto before = (*dev)->reset();
  REQUIRE(before.has_value());
  CHECK(before->boots);
  REQUIRE((*dev)->burn_efuse(device::kEfuseKeyDigest, native::esp32_key_digest(release.pub)->bytes()));
  REQUIRE((*dev)->burn_efuse(device::kEfuseSecureBoot, Bytes{std::byte{1}}));
  auto after = (*dev)->reset();
  REQUIRE(after.has_value());
  CHECK_FALSE(after->boots);
}

TEST_CASE("secure boot: a signed bootloader altered after signing is refused") {
  DevSim sim;
  const Key release;
  auto dev = secured_device(sim, release);
  Bytes image = release.sign_bootloader(testing::firmware(20000, 5));
  REQUIRE(dev->write(0, image, {}));
  REQUIRE(dev->write(100, Bytes{std::byte{0x42}}, {}));  // one byte changed on the device
  auto boot = dev->reset();
  REQUIRE(boot.has_value());
  CHECK_FALSE(boot->boots);
}

TEST_CASE("erased flash does not boot") {
  DevSim sim;
  auto dev = device::open_driver(sim.uri());
  REQUIRE(dev.has_value());
  auto boot = (*dev)->reset();
  REQUIRE(boot.has_value());
  CHECK_FALSE(boot->boots);
  CHECK(boot->reason.find("erased") != std::string::npos);
}

// SimDriver against a real hallmark-devsim process: identity, flash, eFuses, faults.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "station-agent/driver/device_driver.h"
#include "station-agent/devsim/protocol.h"
#include "station-agent/driver/sim_driver.h"
#include "tests/devsim/devsim_fixture.h"
#include "tests/native/native_test_support.h"
#include "verifier/core/public_key.h"

using namespace hallmark;
using hallmark::testing::DevSim;

namespace {

std::unique_ptr<device::DeviceDriver> open(const DevSim& sim) {
  auto d = device::open_driver(sim.uri());
  REQUIRE_MESSAGE(d.has_value(), (d ? "" : d.error().message));
  return std::move(*d);
}

Bytes one_byte() { return {std::byte{1}}; }

}  // namespace

TEST_CASE("identify reports the hardware id the device was given") {
  DevSim sim({"--hardware-id", "esp32-7cdfa1001122"});
  auto dev = open(sim);
  auto id = dev->identify();
  REQUIRE(id.has_value());
  CHECK(id->str() == "esp32-7cdfa1001122");
}

TEST_CASE("describe reports the family, revision and formats the device was given and its flash size") {
  {
    DevSim plain;
    auto d = open(plain)->describe();
    REQUIRE_MESSAGE(d, (d ? "" : d.error().message));
    CHECK(d->family == "esp32-c3");
    CHECK(d->flash_size == 4 * 1024 * 1024);
    CHECK(d->boot_formats.empty());
  }
  DevSim sim({"--family", "ESP32-C6", "--flash-size", "2097152", "--chip-revision", "v0.1",
              "--boot-formats", "ESP32_SECURE_BOOT_V2"});
  auto d = open(sim)->describe();
  REQUIRE(d);
  CHECK(*d == device::DeviceDescription{"ESP32-C6", 2097152, "v0.1", {"ESP32_SECURE_BOOT_V2"}});
}

TEST_CASE("a board swapped mid-run describes itself as another family from the second read") {
  DevSim sim({"--family", "esp32-c3", "--family-on-reread", "nrf52840"});
  auto dev = open(sim);
  CHECK(dev->describe()->family == "esp32-c3");
  CHECK(dev->describe()->family == "nrf52840");
}

TEST_CASE("a description payload cut short or with bytes after it is a protocol error") {
  auto encoded = devsim::encode_description({"nrf52840", 1048576, "v1", {"MCUBOOT"}});
  REQUIRE(encoded);
  auto round = devsim::decode_description(*encoded);
  REQUIRE(round);
  CHECK(round->family == "nrf52840");
  for (std::size_t n = 0; n < encoded->size(); ++n) {
    CAPTURE(n);
    CHECK_FALSE(devsim::decode_description(ByteView(*encoded).first(n)));
  }
  Bytes longer = *encoded;
  longer.push_back(std::byte{0});
  CHECK_FALSE(devsim::decode_description(longer));
  CHECK_FALSE(devsim::encode_description({std::string(256, 'a'), 1, "", {}}));
}

TEST_CASE("two simulated devices without an id get different random ids") {
  DevSim a, b;
  auto ia = open(a)->identify();
  auto ib = open(b)->identify();
  REQUIRE((ia && ib));
  CHECK(ia->str() != ib->str());
  CHECK(ia->str().starts_with("sim-"));
}

TEST_CASE("write then read_hash returns the SHA-256 of what was written") {
  DevSim sim({"--flash-size", "1048576"});
  auto dev = open(sim);
  const Bytes image = testing::firmware(200000, 7);  // several 64 KiB frames
  std::uint64_t last_progress = 0;
  REQUIRE(dev->write(0x10000, image, [&](std::uint64_t done, std::uint64_t) { last_progress = done; }));
  CHECK(last_progress == image.size());
  auto h = dev->read_hash(0x10000, static_cast<std::uint32_t>(image.size()));
  REQUIRE(h.has_value());
  CHECK(*h == *verifier::sha256(image));
  auto off_by_one = dev->read_hash(0x10001, static_cast<std::uint32_t>(image.size()));
  REQUIRE(off_by_one.has_value());
  CHECK(*off_by_one != *h);
}

TEST_CASE("a write past the end of flash is refused, not wrapped") {
  DevSim sim({"--flash-size", "65536"});
  auto dev = open(sim);
  auto r = dev->write(65000, testing::firmware(1000), {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("outside") != std::string::npos);
}

TEST_CASE("a flash write error at an offset fails the write and names the offset") {
  DevSim sim({"--fail-write-at", "70000"});
  auto dev = open(sim);
  auto r = dev->write(0, testing::firmware(150000), {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kIo);
  CHECK(r.error().message.find("0x11170") != std::string::npos);  // 70000
  CHECK(r.error().message.find("write error") != std::string::npos);
}

TEST_CASE("a disconnect mid-write is a driver error, not a hang, and the device can be re-plugged") {
  DevSim sim({"--disconnect-at", "100000"});
  auto dev = open(sim);
  const auto start = std::chrono::steady_clock::now();
  auto r = dev->write(0, testing::firmware(300000), {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kIo);
  CHECK(r.error().message.find("0x10000") != std::string::npos);  // the frame that was cut
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK_FALSE(dev->identify().has_value());  // the broken connection is not reused
  auto again = open(sim);                     // the glitch was once; a new cable works
  CHECK(again->write(0, testing::firmware(300000), {}).has_value());
}

TEST_CASE("a device that stops answering times out") {
  DevSim sim({"--slow"});
  auto dev = device::SimDriver::connect(sim.dir() / "dev.sock", std::chrono::milliseconds(30));
  REQUIRE(dev.has_value());
  auto r = (*dev)->identify();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("timeout") != std::string::npos);
}

TEST_CASE("a different hardware id on re-read is visible to the driver") {
  DevSim sim({"--hardware-id", "unit-A", "--hardware-id-on-reread", "unit-B"});
  auto dev = open(sim);
  auto first = dev->identify();
  auto second = dev->identify();
  REQUIRE((first && second));
  CHECK(first->str() == "unit-A");
  CHECK(second->str() == "unit-B");
  CHECK(*first != *second);
}

TEST_CASE("an eFuse burned twice is refused and keeps its first value") {
  DevSim sim;
  auto dev = open(sim);
  const auto d1 = *verifier::sha256(as_bytes("key one"));
  const auto d2 = *verifier::sha256(as_bytes("key two"));
  REQUIRE(dev->burn_efuse(device::kEfuseKeyDigest, d1.bytes()));
  auto again = dev->burn_efuse(device::kEfuseKeyDigest, d2.bytes());
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == ErrorCode::kPolicyRefused);
  CHECK(again.error().message.find("already burned") != std::string::npos);
  REQUIRE(dev->burn_efuse(device::kEfuseDebugDisable, one_byte()));
  CHECK_FALSE(dev->burn_efuse(device::kEfuseDebugDisable, one_byte()).has_value());
  auto m = dev->measure({});
  REQUIRE(m.has_value());
  CHECK(m->efuses.key_digest_burned);
  CHECK(m->efuses.key_digest == d1);
  CHECK(m->efuses.debug_disabled);
  CHECK_FALSE(m->efuses.secure_boot_enabled);
  CHECK_FALSE(dev->burn_efuse("no_such_fuse", one_byte()).has_value());
}

TEST_CASE("a device whose eFuses are already burned reports it and refuses another burn") {
  DevSim sim({"--efuses-burned"});
  auto dev = open(sim);
  auto m = dev->measure({});
  REQUIRE(m.has_value());
  CHECK(m->efuses.key_digest_burned);
  CHECK(m->efuses.secure_boot_enabled);
  CHECK(m->efuses.debug_disabled);
  auto r = dev->burn_efuse(device::kEfuseSecureBoot, one_byte());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kPolicyRefused);
}

TEST_CASE("the identity key leaves the device only as a P-256 SubjectPublicKeyInfo") {
  DevSim sim;
  auto dev = open(sim);
  CHECK_FALSE(dev->install_certificate(as_bytes("cert")).has_value());  // no key yet
  auto spki = dev->generate_identity();
  REQUIRE(spki.has_value());
  auto key = verifier::PublicKey::from_spki_der(*spki);
  REQUIRE_MESSAGE(key.has_value(), (key ? "" : key.error().message));
  CHECK(key->algorithm() == v1::ECDSA_P256_SHA256);
  auto again = dev->generate_identity();
  REQUIRE(again.has_value());
  CHECK(*again == *spki);  // the device keeps one key
  REQUIRE(dev->install_certificate(as_bytes("certificate DER")));
  auto m = dev->measure({{0, 16}});
  REQUIRE(m.has_value());
  CHECK(m->identity_present);
  CHECK(m->certificate_present);
  REQUIRE(m->region_digests.size() == 1);
  CHECK(m->region_digests[0] == *verifier::sha256(Bytes(16, std::byte{0xFF})));
}

TEST_CASE("a device reintroduced from its state file keeps id, flash, eFuses and key") {
  DevSim sim;
  const std::string state = (sim.dir() / "device.state").string();
  sim.restart({"--state", state});
  Bytes spki;
  std::string id;
  const Bytes image = testing::firmware(5000, 3);
  {
    auto dev = open(sim);
    id = dev->identify()->str();
    spki = *dev->generate_identity();
    REQUIRE(dev->write(0x1000, image, {}));
    REQUIRE(dev->burn_efuse(device::kEfuseDebugDisable, one_byte()));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the server saves on hang-up
  sim.restart({"--state", state, "--hardware-id", "ignored-when-state-exists"});
  auto dev = open(sim);
  CHECK(dev->identify()->str() == id);
  CHECK(*dev->generate_identity() == spki);
  CHECK(*dev->read_hash(0x1000, static_cast<std::uint32_t>(image.size())) == *verifier::sha256(image));
  CHECK(dev->measure({})->efuses.debug_disabled);
  CHECK_FALSE(dev->burn_efuse(device::kEfuseDebugDisable, one_byte()).has_value());
}

TEST_CASE("an unknown device URI scheme is a usage error") {
  auto d = device::open_driver("usb:/dev/ttyUSB0");
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().code == ErrorCode::kUsage);
  auto missing = device::open_driver("sim:/nonexistent/socket");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::kIo);
}

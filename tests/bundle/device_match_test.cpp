// The device-match rule (verifier/bundle/device_match.h) on its own: every way a device can
// fail to be the bundle's part, and the spellings of one family that are the same part.
#include <doctest/doctest.h>

#include "verifier/bundle/device_match.h"

using namespace hallmark;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

// SKU gateway-n9: nrf52840 with 1 MiB, an MCUboot application at 0xC000 and raw data at
// the top of flash.
bundle::ExpectedDevice gateway() {
  bundle::ExpectedDevice e{"gateway-n9", "nrf52840", kMiB, {}};
  e.written.push_back({"app", "", {}, 0xC000, 0x40000, v1::MCUBOOT});
  e.written.push_back({"data", "", {}, 0xF0000, 0x10000, v1::IMAGE_FORMAT_RAW});
  return e;
}

v1::DeviceDescription device(std::string family, std::uint64_t flash) {
  v1::DeviceDescription d;
  d.set_family(std::move(family));
  d.set_flash_size(flash);
  d.set_chip_revision("v1");
  return d;
}

bool mentions(const std::vector<std::string>& all, std::string_view what) {
  for (const auto& m : all) {
    if (m.find(what) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("the bundle's part matches, in any case or separator spelling") {
  for (const char* family : {"nrf52840", "NRF52840", "nRF52840", "nrf_52840", "nrf-52840"}) {
    CAPTURE(family);
    CHECK(bundle::device_mismatches(device(family, kMiB), gateway()).empty());
  }
}

TEST_CASE("a board of another family is refused, naming both parts") {
  const auto m = bundle::device_mismatches(device("ESP32-C6", 4 * kMiB), gateway());
  REQUIRE_FALSE(m.empty());
  CHECK(mentions(m, "family 'ESP32-C6' is not the SKU's 'nrf52840'"));
  CHECK(mentions(m, "flash of 4194304 bytes (4 MiB) is not the SKU's 1048576 bytes (1 MiB)"));
  CHECK(bundle::describe_part(gateway()) ==
        "SKU gateway-n9: family 'nrf52840', flash 1048576 bytes (1 MiB)");
}

TEST_CASE("look-alike family names are not close enough") {
  // Space, dot, a Cyrillic letter, a NUL byte, a name past the length limit.
  for (const std::string& family : {std::string("nrf52840 "), std::string("nrf.52840"),
                                   std::string("nrf5284\xd0\xbe"), std::string("nrf52840\0esp32", 14),
                                   std::string(bundle::kMaxFamilyLength + 1, 'a')}) {
    CAPTURE(family);
    const auto m = bundle::device_mismatches(device(family, kMiB), gateway());
    CHECK(mentions(m, "not a family name"));
  }
  CHECK(bundle::canonical_family(std::string(bundle::kMaxFamilyLength, 'a')).size() ==
        bundle::kMaxFamilyLength);
}

TEST_CASE("a flash smaller than the SKU's is refused, naming the images beyond it") {
  const auto m = bundle::device_mismatches(device("nrf52840", 512 * 1024), gateway());
  CHECK(mentions(m, "flash of 524288 bytes (512 KiB) is not the SKU's 1048576 bytes (1 MiB)"));
  CHECK(mentions(m, "image 'data' (0xf0000 to 0x100000) lies beyond"));
  CHECK_FALSE(mentions(m, "image 'app'"));  // 0xC000 + 0x40000 fits in 512 KiB
}

TEST_CASE("a flash bigger than the SKU's is another part and refused") {
  const auto m = bundle::device_mismatches(device("nrf52840", 2 * kMiB), gateway());
  REQUIRE(m.size() == 1);
  CHECK(mentions(m, "flash of 2097152 bytes (2 MiB) is not the SKU's"));
}

TEST_CASE("a device that does not say what it is never matches") {
  CHECK(mentions(bundle::device_mismatches(device("", kMiB), gateway()), "reported no family"));
  CHECK(mentions(bundle::device_mismatches(device("nrf52840", 0), gateway()), "no flash size"));
  CHECK(bundle::device_mismatches(v1::DeviceDescription{}, gateway()).size() == 2);
}

TEST_CASE("a bundle family that is not a family name matches no device") {
  auto e = gateway();
  e.family = "nrf 52840";
  CHECK(mentions(bundle::device_mismatches(device("nrf52840", kMiB), e), "fix the SKU catalogue"));
}

TEST_CASE("a device that reports its boot formats must boot every signed image") {
  auto d = device("nrf52840", kMiB);
  d.add_boot_formats("ESP32_SECURE_BOOT_V2");
  const auto m = bundle::device_mismatches(d, gateway());
  REQUIRE(m.size() == 1);  // the raw data image needs no format
  CHECK(mentions(m, "image 'app' is MCUBOOT, which the device does not boot"));
  d.add_boot_formats("MCUBOOT");
  CHECK(bundle::device_mismatches(d, gateway()).empty());
}

TEST_CASE("a device read twice is the same only when every field is") {
  const auto a = device("nrf52840", kMiB);
  CHECK(bundle::same_device(a, a));
  auto b = a;
  b.set_family("NRF52840");  // the same part, but not the same report: another board or tool
  CHECK_FALSE(bundle::same_device(a, b));
  b = a;
  b.set_flash_size(2 * kMiB);
  CHECK_FALSE(bundle::same_device(a, b));
  b = a;
  b.set_chip_revision("v2");
  CHECK_FALSE(bundle::same_device(a, b));
}

TEST_CASE("the description for people shows control bytes escaped, as every document's text") {
  CHECK(bundle::describe_device(device("nrf\x01", kMiB)) ==
        "family 'nrf\\x01', flash 1048576 bytes (1 MiB), revision v1");
  CHECK(bundle::describe_device(v1::DeviceDescription{}) == "no family, no flash size");
}

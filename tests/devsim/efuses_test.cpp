// The one-time eFuse rules (station-agent/devsim/efuses.h), the one implementation behind
// hallmark-devsim and the benchmarks' InstantDevice: each case is a burn a chip refuses.
#include <doctest/doctest.h>

#include <algorithm>

#include "station-agent/devsim/efuses.h"
#include "verifier/core/sha256.h"

using namespace hallmark;

namespace {

Bytes one_byte() { return {std::byte{1}}; }
verifier::Digest digest_of(const char* text) { return *verifier::sha256(as_bytes(text)); }

}  // namespace

TEST_CASE("a key digest burned twice is refused and keeps its first value") {
  device::EfuseState efuses;
  REQUIRE(devsim::burn_efuse(efuses, device::kEfuseKeyDigest, digest_of("key one").bytes()));
  auto again = devsim::burn_efuse(efuses, device::kEfuseKeyDigest, digest_of("key two").bytes());
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == ErrorCode::kPolicyRefused);
  CHECK(again.error().message.find("already burned") != std::string::npos);
  CHECK(efuses.key_digest_burned);
  CHECK(efuses.key_digest == digest_of("key one"));
}

TEST_CASE("secure boot and debug disable burned twice are refused") {
  for (const char* name : {device::kEfuseSecureBoot, device::kEfuseDebugDisable}) {
    CAPTURE(name);
    device::EfuseState efuses;
    REQUIRE(devsim::burn_efuse(efuses, name, one_byte()));
    auto again = devsim::burn_efuse(efuses, name, one_byte());
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == ErrorCode::kPolicyRefused);
  }
}

TEST_CASE("a key digest one byte short or one byte long is refused and burns nothing") {
  const auto digest = digest_of("key");
  for (std::size_t size : {verifier::Digest::kSize - 1, verifier::Digest::kSize + 1, std::size_t{0}}) {
    CAPTURE(size);
    Bytes value(size, std::byte{0x5a});
    std::copy_n(digest.bytes().begin(), std::min(size, verifier::Digest::kSize), value.begin());
    device::EfuseState efuses;
    auto burned = devsim::burn_efuse(efuses, device::kEfuseKeyDigest, value);
    REQUIRE_FALSE(burned.has_value());
    CHECK(burned.error().code == ErrorCode::kUsage);
    CHECK(efuses == device::EfuseState{});
  }
}

TEST_CASE("a flag eFuse given anything but the single byte 01 is refused and stays unburned") {
  for (const Bytes& value : {Bytes{}, Bytes{std::byte{0}}, Bytes{std::byte{2}},
                             Bytes{std::byte{1}, std::byte{1}}}) {
    CAPTURE(value.size());
    device::EfuseState efuses;
    auto burned = devsim::burn_efuse(efuses, device::kEfuseSecureBoot, value);
    REQUIRE_FALSE(burned.has_value());
    CHECK(burned.error().code == ErrorCode::kUsage);
    CHECK_FALSE(efuses.secure_boot_enabled);
    REQUIRE(devsim::burn_efuse(efuses, device::kEfuseSecureBoot, one_byte()));
  }
}

TEST_CASE("an unknown eFuse name is refused, naming the known ones") {
  device::EfuseState efuses;
  auto burned = devsim::burn_efuse(efuses, "read_protect", one_byte());
  REQUIRE_FALSE(burned.has_value());
  CHECK(burned.error().code == ErrorCode::kUsage);
  CHECK(burned.error().message.find("key_digest") != std::string::npos);
  CHECK(efuses == device::EfuseState{});
}

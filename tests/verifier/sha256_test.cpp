#include <doctest/doctest.h>

#include <string>

#include "verifier/core/sha256.h"

namespace hv = hallmark::verifier;
using hallmark::as_bytes;

TEST_CASE("SHA-256 of known inputs matches FIPS 180 vectors") {
  CHECK(hv::sha256(as_bytes(""))->hex() ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hv::sha256(as_bytes("abc"))->hex() ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("incremental hashing in uneven pieces equals one-shot hashing") {
  std::string data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<char>(i * 31 + 7));
  hv::Sha256 h;
  std::size_t pos = 0;
  for (std::size_t step = 1; pos < data.size(); step = step * 3 + 1) {
    const std::size_t n = std::min(step, data.size() - pos);
    h.update(as_bytes(std::string_view(data).substr(pos, n)));
    pos += n;
  }
  auto incremental = h.finish();
  REQUIRE(incremental.has_value());
  CHECK(*incremental == *hv::sha256(as_bytes(data)));
}

TEST_CASE("finishing twice is an error, not a second digest") {
  hv::Sha256 h;
  h.update(as_bytes("x"));
  REQUIRE(h.finish().has_value());
  auto again = h.finish();
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == hallmark::ErrorCode::kInternal);
}

TEST_CASE("Digest hex round trip, case-insensitive parse, and ordering") {
  const auto d = *hv::sha256(as_bytes("abc"));
  CHECK(*hv::Digest::from_hex(d.hex()) == d);
  std::string upper = d.hex();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(*hv::Digest::from_hex(upper) == d);
  CHECK(d != *hv::sha256(as_bytes("abd")));
  CHECK(hv::Digest{} < d);
}

TEST_CASE("Digest refuses the wrong length and non-hex digits") {
  CHECK_FALSE(hv::Digest::from_hex("abcd").has_value());
  CHECK_FALSE(hv::Digest::from_hex(std::string(64, 'g')).has_value());
  const std::string thirty_one(31, 'a');
  CHECK_FALSE(hv::Digest::from_bytes(as_bytes(thirty_one)).has_value());
}

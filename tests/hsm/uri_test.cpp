#include <cstring>
#include <string>

#include <doctest/doctest.h>

#include "hsm-profiles/src/uri.h"

using namespace hallmark;

namespace {

CK_TOKEN_INFO token_info(const std::string& label, const std::string& serial) {
  CK_TOKEN_INFO info{};
  std::memset(info.label, ' ', sizeof info.label);
  std::memcpy(info.label, label.data(), label.size());
  std::memset(info.serialNumber, ' ', sizeof info.serialNumber);
  std::memcpy(info.serialNumber, serial.data(), serial.size());
  std::memset(info.manufacturerID, ' ', sizeof info.manufacturerID);
  std::memcpy(info.manufacturerID, "SoftHSM project", 15);
  std::memset(info.model, ' ', sizeof info.model);
  std::memcpy(info.model, "SoftHSM v2", 10);
  return info;
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("a key URI gives token label and serial and object label and percent-decoded id and type") {
    auto uri = hsm::TokenUri::parse(
        "pkcs11:token=signer-hsm;serial=8a1b2c;object=release%20key;id=%01%02%ff;type=private");
    REQUIRE(uri);
    CHECK(uri->token_label == "signer-hsm");
    CHECK(uri->serial == "8a1b2c");
    CHECK(uri->object_label == "release key");
    REQUIRE(uri->object_id);
    CHECK(to_hex(*uri->object_id) == "0102ff");
    CHECK(uri->object_class == CKO_PRIVATE_KEY);
    CHECK_FALSE(uri->manufacturer);
    CHECK_FALSE(uri->model);
    CHECK(uri->token_name() == "token 'signer-hsm'");
    CHECK(uri->key_name() == "key 'release key'");
  }

  TEST_CASE("a token URI matches by label and serial and nothing else") {
    auto uri = hsm::TokenUri::parse("pkcs11:token=signer-hsm;serial=42");
    REQUIRE(uri);
    CHECK(uri->matches(token_info("signer-hsm", "42")));
    CHECK_FALSE(uri->matches(token_info("signer-hsm", "43")));
    CHECK_FALSE(uri->matches(token_info("signer-hsm2", "42")));
    CHECK_FALSE(uri->matches(token_info("signer", "42")));

    auto any = hsm::TokenUri::parse("pkcs11:");
    REQUIRE(any);
    CHECK(any->matches(token_info("whatever", "1")));
  }

  TEST_CASE("malformed URIs are refused with a usage error") {
    for (const char* text : {"http://example.com", "pkcs11:id=%zz", "signer-hsm", ""}) {
      CAPTURE(text);
      auto uri = hsm::TokenUri::parse(text);
      REQUIRE_FALSE(uri);
      CHECK(uri.error().code == ErrorCode::kUsage);
      CHECK(uri.error().message.find("malformed PKCS#11 URI") != std::string::npos);
    }
  }

  TEST_CASE("a misspelt attribute does not silently match every token") {
    auto uri = hsm::TokenUri::parse("pkcs11:tokn=signer-hsm");
    REQUIRE_FALSE(uri);
    CHECK(uri.error().code == ErrorCode::kUsage);
    CHECK(uri.error().message.find("does not know") != std::string::npos);
  }

  TEST_CASE("a PIN inside the URI is refused so it never sits in argv") {
    auto uri = hsm::TokenUri::parse("pkcs11:token=signer-hsm?pin-value=1234");
    REQUIRE_FALSE(uri);
    CHECK(uri.error().message.find("1234") == std::string::npos);
    CHECK(uri.error().message.find("pin-value") != std::string::npos);
  }

  TEST_CASE("selecting a token by slot id is refused") {
    auto uri = hsm::TokenUri::parse("pkcs11:slot-id=3");
    REQUIRE_FALSE(uri);
    CHECK(uri.error().message.find("slot ids change") != std::string::npos);
  }

  TEST_CASE("a formatted key URI parses back to the same token and key") {
    v1::TokenInfo token;
    token.set_label("signer hsm;1");
    token.set_serial("0123abcd");
    token.set_manufacturer("SoftHSM project");
    token.set_model("SoftHSM v2");
    const Bytes id{std::byte{0x00}, std::byte{0x7f}, std::byte{0xa5}};
    const std::string text = hsm::format_key_uri(token, "release/2025", id);
    CAPTURE(text);
    CHECK(text.starts_with("pkcs11:"));
    auto uri = hsm::TokenUri::parse(text);
    REQUIRE(uri);
    CHECK(uri->token_label == "signer hsm;1");
    CHECK(uri->serial == "0123abcd");
    CHECK(uri->manufacturer == "SoftHSM project");
    CHECK(uri->model == "SoftHSM v2");
    CHECK(uri->object_label == "release/2025");
    CHECK(uri->object_id == id);
    CHECK(uri->object_class == CKO_PRIVATE_KEY);
  }
}

// Native formats signed by keys generated inside a SoftHSM token through hsm::TokenSigner,
// checked by the independent layout parsers and by the verifiers, and the key-id mapping
// across formats for a token key.
#include <doctest/doctest.h>

#include <memory>
#include <optional>

#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/token_signer.h"
#include "signer/native/esp32_signer.h"
#include "signer/native/mcuboot_signer.h"
#include "tests/native/native_test_support.h"
#include "testkit/softhsm_fixture.h"
#include "verifier/native/esp32_secure_boot_v2.h"
#include "verifier/native/mcuboot.h"

using namespace hallmark;
using namespace hallmark::testing;

namespace {

// A release key generated on the token; the session stays put while the signer lives.
struct TokenRelease {
  SoftHsmFixture hsm{{"signer-hsm"}};
  std::unique_ptr<hsm::Session> session;
  std::optional<hsm::TokenSigner> signer;

  explicit TokenRelease(v1::KeyAlgorithm algorithm) {
    session = std::make_unique<hsm::Session>(hsm.open("signer-hsm"));
    auto key = hsm::generate_key(*session, hsm::KeySpec{algorithm, "release", {}, false});
    REQUIRE_MESSAGE(key.has_value(), (key ? "" : key.error().message));
    auto created = hsm::TokenSigner::create(*session, std::move(*key));
    REQUIRE_MESSAGE(created.has_value(), (created ? "" : created.error().message));
    signer.emplace(std::move(*created));
  }
  const verifier::PublicKey& pub() const { return signer->public_key(); }
  native::SignFunction sign() {
    return [this](ByteView message) { return signer->sign(message); };
  }
};

}  // namespace

TEST_SUITE("softhsm") {

TEST_CASE("an ESP32 image signed by an RSA-3072 token key has the documented block and verifies") {
  TokenRelease release(v1::RSA_PSS_3072_SHA256);
  const Bytes image = firmware(70000);
  auto out = native::sign_esp32_sbv2(image, release.pub(), release.sign());
  REQUIRE_MESSAGE(out.has_value(), (out ? "" : out.error().message));
  const Bytes efuse =
      check_esp32_layout(*out, image, release.pub().spki_der(), v1::RSA_PSS_3072_SHA256);
  auto info = native::verify_esp32_sbv2(*out, release.pub());
  REQUIRE_MESSAGE(info.has_value(), (info ? "" : info.error().message));
  CHECK(Bytes(info->key_digest.bytes().begin(), info->key_digest.bytes().end()) == efuse);
  (*out)[100] ^= std::byte{0x80};
  CHECK_FALSE(native::verify_esp32_sbv2(*out, release.pub()).has_value());
}

TEST_CASE("an ESP32 image signed by a P-256 token key has the documented block and verifies") {
  TokenRelease release(v1::ECDSA_P256_SHA256);
  const Bytes image = firmware(4096 * 3);
  auto out = native::sign_esp32_sbv2(image, release.pub(), release.sign());
  REQUIRE_MESSAGE(out.has_value(), (out ? "" : out.error().message));
  check_esp32_layout(*out, image, release.pub().spki_der(), v1::ECDSA_P256_SHA256);
  CHECK(native::verify_esp32_sbv2(*out, release.pub()).has_value());
}

TEST_CASE("an MCUboot image signed by a P-256 token key has the documented layout and verifies") {
  TokenRelease release(v1::ECDSA_P256_SHA256);
  const Bytes body = firmware(20000);
  native::McubootParams params;
  params.header_size = 0x200;
  params.version = {2, 0, 1, 77};
  params.security_counter = 5;
  auto out = native::sign_mcuboot(body, params, release.pub(), release.sign());
  REQUIRE_MESSAGE(out.has_value(), (out ? "" : out.error().message));
  ExpectedMcuboot e;
  e.body = body;
  e.header_size = 0x200;
  e.major = 2;
  e.revision = 1;
  e.build = 77;
  e.security_counter = 5;
  check_mcuboot_layout(*out, e, release.pub().spki_der());
  auto info = native::verify_mcuboot(*out, release.pub());
  REQUIRE_MESSAGE(info.has_value(), (info ? "" : info.error().message));
  CHECK(info->security_counter == std::optional<std::uint32_t>{5});
}

TEST_CASE("key ids across formats for one token key: key hash = DSSE key id, CKA_ID apart") {
  TokenRelease release(v1::ECDSA_P256_SHA256);
  const auto& key = release.signer->key();
  auto key_hash = native::mcuboot_key_hash(release.pub());
  auto efuse = native::esp32_key_digest(release.pub());
  REQUIRE((key_hash.has_value() && efuse.has_value()));
  CHECK(key_hash->hex() == release.pub().key_id());  // MCUboot KEYHASH == DSSE key id
  CHECK(key.key_id() == release.pub().key_id());
  CHECK(efuse->hex() != release.pub().key_id());     // the eFuse digest hashes other bytes
  CHECK(key.id().size() == 16);                      // CKA_ID: the token's handle name
  CHECK(to_hex(key.id()) != release.pub().key_id());
}

}  // TEST_SUITE

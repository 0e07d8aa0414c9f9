// A thief or an insider against the signer HSM's quorum backup (docs/threat-model.md,
// section 10). Each case on its own throwaway SoftHSM token.
#include <doctest/doctest.h>

#include <cstring>

#include "ceremony/src/kek_shares.h"
#include "hsm-profiles/src/key_wrap.h"
#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/objects.h"
#include "testkit/softhsm_fixture.h"
#include "verifier/core/provenance.h"

namespace hallmark::testing {
namespace {

constexpr const char* kToken = "signer-hsm";

hsm::TokenKey make_key(hsm::Session& session, bool backup) {
  auto key = hsm::generate_key(session, {v1::ECDSA_P256_SHA256, "release", {}, false, backup});
  REQUIRE_MESSAGE(key, (key ? "" : key.error().message));
  return *key;
}

ceremony::SecretBytes random_kek() {
  auto kek = ceremony::new_kek();
  REQUIRE(kek);
  return std::move(*kek);
}

}  // namespace

TEST_CASE("with the signer HSM's user PIN alone, a backed-up key cannot be wrapped out under a "
          "key of one's own") {
  SoftHsmFixture hsm({kToken});
  hsm::Session session = hsm.open(kToken);
  const auto key = make_key(session, true);
  const auto kek = random_kek();
  // A user cannot mark a wrapping key trusted ...
  auto trusted = hsm::WrappingKey::create(session, kek.view(), hsm::WrappingKey::Use::kWrapTrusted);
  REQUIRE_FALSE(trusted);
  CHECK(trusted.error().message.find("security officer") != std::string::npos);
  // ... and the HSM lets the key out under no untrusted key.
  hsm::AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_AES)
      .add_bool(CKA_TOKEN, false).add_bool(CKA_WRAP, true).add_bool(CKA_EXTRACTABLE, true)
      .add_bytes(CKA_VALUE, kek.view());
  CK_OBJECT_HANDLE own = CK_INVALID_HANDLE;
  REQUIRE(session.functions()->C_CreateObject(session.handle(), t.data(), t.size(), &own) ==
          CKR_OK);
  CK_MECHANISM mechanism{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
  unsigned char out[512];
  CK_ULONG size = sizeof out;
  const CK_RV rv = session.functions()->C_WrapKey(session.handle(), &mechanism, own,
                                                   key.handle(), out, &size);
  CHECK(rv != CKR_OK);
}

TEST_CASE("a key generated never extractable cannot be wrapped even under the security "
          "officer's trusted key") {
  SoftHsmFixture hsm({kToken});
  hsm::Session so = hsm.open(kToken, false);
  hsm::Session user = hsm.open(kToken);
  const auto key = make_key(user, false);
  user.logout();
  const auto kek = random_kek();
  REQUIRE(so.login_so(SoftHsmFixture::so_pin()));
  auto trusted = hsm::WrappingKey::create(so, kek.view(), hsm::WrappingKey::Use::kWrapTrusted);
  REQUIRE_MESSAGE(trusted, (trusted ? "" : trusted.error().message));
  so.logout();
  REQUIRE(user.login(SoftHsmFixture::user_pin()));
  // Handles of private objects do not outlive a logout: find the key again.
  hsm::AttributeTemplate match;
  match.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_text(CKA_LABEL, key.label());
  auto found = hsm::find_objects(user, match, 2);
  REQUIRE(found);
  REQUIRE(found->size() == 1);
  auto wrapped = hsm::wrap_key(user, *trusted, found->front(), "the release key");
  REQUIRE_FALSE(wrapped);
  CHECK_MESSAGE(wrapped.error().message.find("refuses to let this key out") != std::string::npos,
                wrapped.error().message);
  // The same key generated for backup does leave, wrapped: the control above is the HSM's.
  auto backed = hsm::generate_key(user, {v1::ECDSA_P256_SHA256, "release-2", {}, false, true});
  REQUIRE(backed);
  CHECK(hsm::wrap_key(user, *trusted, backed->handle(), "the backed-up release key"));
}

TEST_CASE("a thief with one share, even opened with its passphrase, cannot rebuild the key "
          "(2 of 3)") {
  const auto kek = random_kek();
  auto shares = ceremony::split_secret(kek, 2, 3);
  REQUIRE(shares);
  const Bytes backup_id(16, std::byte{7});
  for (std::size_t i = 0; i < shares->size(); ++i) {
    std::vector<ceremony::Share> one;
    ceremony::SecretBytes copy((*shares)[i].bytes.size());
    std::memcpy(copy.data(), (*shares)[i].bytes.data(), copy.size());
    one.push_back({(*shares)[i].number, std::move(copy)});
    auto rebuilt = ceremony::combine_shares(one, kek.size());
    REQUIRE(rebuilt);
    CHECK(ceremony::kek_check(backup_id, *rebuilt) != ceremony::kek_check(backup_id, kek));
  }
  // Any two do.
  std::vector<ceremony::Share> two;
  for (std::size_t i : {0u, 2u}) {
    ceremony::SecretBytes copy((*shares)[i].bytes.size());
    std::memcpy(copy.data(), (*shares)[i].bytes.data(), copy.size());
    two.push_back({(*shares)[i].number, std::move(copy)});
  }
  auto rebuilt = ceremony::combine_shares(two, kek.size());
  REQUIRE(rebuilt);
  CHECK(ceremony::kek_check(backup_id, *rebuilt) == ceremony::kek_check(backup_id, kek));
}

TEST_CASE("a share file asking for an scrypt cost over the limit is refused before any work") {
  const auto kek = random_kek();
  auto shares = ceremony::split_secret(kek, 2, 2);
  REQUIRE(shares);
  const hsm::Pin passphrase("a long enough passphrase");
  auto sealed = ceremony::seal_share(shares->front(), Bytes(16, std::byte{1}), "alice",
                                     passphrase);
  REQUIRE(sealed);
  v1::BackupShare bomb = *sealed;
  bomb.set_scrypt_n(ceremony::kMaxScryptN * 2);
  auto refused = ceremony::open_share(bomb, passphrase);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("out of range") != std::string::npos);
  CHECK(ceremony::open_share(*sealed, passphrase));
}

TEST_CASE("a share sealed under a short passphrase is refused at the backup") {
  const auto kek = random_kek();
  auto shares = ceremony::split_secret(kek, 2, 2);
  REQUIRE(shares);
  const hsm::Pin short_one("eleven char");
  REQUIRE(std::string_view("eleven char").size() == ceremony::kMinPassphraseLength - 1);
  CHECK_FALSE(ceremony::seal_share(shares->front(), Bytes(16, std::byte{1}), "alice", short_one));
  const hsm::Pin just("twelve chars");
  CHECK(ceremony::seal_share(shares->front(), Bytes(16, std::byte{1}), "alice", just));
}

TEST_CASE("an extractable key without CKA_WRAP_WITH_TRUSTED holds no signer role, and no key "
          "of another role may be extractable at all") {
  v1::KeyProvenance extractable;
  extractable.set_local(true);
  extractable.set_sensitive(true);
  extractable.set_extractable(true);
  CHECK_FALSE(verifier::check_production_use(extractable, false, "release key",
                                             verifier::KeyOrigin::kQuorumBackup));
  v1::KeyProvenance trusted_only = extractable;
  trusted_only.set_wrap_with_trusted(true);
  CHECK(verifier::check_production_use(trusted_only, false, "release key",
                                       verifier::KeyOrigin::kQuorumBackup));
  CHECK_FALSE(verifier::check_production_use(trusted_only, false, "station key"));
  v1::KeyProvenance readable = trusted_only;
  readable.set_sensitive(false);
  CHECK_FALSE(verifier::check_production_use(readable, false, "release key",
                                             verifier::KeyOrigin::kQuorumBackup));
}

}  // namespace hallmark::testing

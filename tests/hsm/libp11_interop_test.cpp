// No lock-in: keys Hallmark makes on a token are usable by the standard OpenSSL stack
// (libp11: PKCS11_get_private_key -> EVP_PKEY) and by OpenSC's pkcs11-tool, and a key made
// by pkcs11-tool is usable by Hallmark. Where libp11 0.4.12 cannot (no Ed25519, no EC key
// generation), the test says so (docs/hsm-profiles.md, "Other tools").
//
// Each TEST_CASE is its own process (doctest_discover_tests). Hallmark's sessions are closed
// before libp11 loads the same module: the module is initialised once per process and
// login state is shared between the two (see hsm-profiles/src/module.h).
#include <libp11.h>
#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/module_allocations.h"
#include "hsm-profiles/src/token_key.h"
#include "hsm-profiles/src/token_signer.h"
#include "tests/support/run_command.h"
#include "testkit/softhsm_fixture.h"
#include "tests/support/text.h"

using namespace hallmark;
using hallmark::testing::contains;
using hallmark::testing::run_command;
using hallmark::testing::shell_quote;
using hallmark::testing::SoftHsmFixture;

namespace {

constexpr const char* kToken = "interop";

struct CtxFree {
  void operator()(PKCS11_CTX* ctx) const {
    PKCS11_CTX_unload(ctx);
    PKCS11_CTX_free(ctx);
  }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The token through libp11, logged in, with its keys enumerated.
class Libp11Token {
 public:
  Libp11Token() : ctx_(PKCS11_CTX_new()) {
    REQUIRE(ctx_);
    REQUIRE(PKCS11_CTX_load(ctx_.get(), SoftHsmFixture::kModulePath) == 0);
    REQUIRE(PKCS11_enumerate_slots(ctx_.get(), &slots_, &nslots_) == 0);
    for (unsigned int i = 0; i < nslots_; ++i) {
      if (slots_[i].token != nullptr && std::string(slots_[i].token->label) == kToken) {
        slot_ = &slots_[i];
      }
    }
    REQUIRE(slot_ != nullptr);
    REQUIRE(PKCS11_open_session(slot_, 1) == 0);
    REQUIRE(PKCS11_login(slot_, 0, SoftHsmFixture::kUserPin) == 0);
  }
  ~Libp11Token() {
    if (slots_ != nullptr) PKCS11_release_all_slots(ctx_.get(), slots_, nslots_);
  }
  Libp11Token(const Libp11Token&) = delete;
  Libp11Token& operator=(const Libp11Token&) = delete;

  // 0 on success, as libp11 returns it; keys by label.
  int enumerate() {
    keys_ = nullptr;
    nkeys_ = 0;
    return PKCS11_enumerate_keys(slot_->token, &keys_, &nkeys_);
  }
  PKCS11_KEY* key(const std::string& label) {
    for (unsigned int i = 0; i < nkeys_; ++i) {
      if (keys_[i].label != nullptr && label == keys_[i].label) return &keys_[i];
    }
    return nullptr;
  }

 private:
  std::unique_ptr<PKCS11_CTX, CtxFree> ctx_;
  PKCS11_SLOT* slots_ = nullptr;
  unsigned int nslots_ = 0;
  PKCS11_SLOT* slot_ = nullptr;
  PKCS11_KEY* keys_ = nullptr;
  unsigned int nkeys_ = 0;
};

Bytes evp_sign(EVP_PKEY* key, const EVP_MD* md, const std::string& message) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) == 1);
  std::size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  REQUIRE(EVP_DigestSign(ctx.get(), nullptr, &size, data, message.size()) == 1);
  Bytes signature(size);
  REQUIRE(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                         data, message.size()) == 1);
  signature.resize(size);
  return signature;
}

bool evp_verify(EVP_PKEY* key, const EVP_MD* md, const std::string& message,
                const Bytes& signature) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  REQUIRE(EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1);
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::string pkcs11_tool(const std::string& args) {
  auto r = run_command("pkcs11-tool --module " + shell_quote(SoftHsmFixture::kModulePath) +
                       " --token-label " + kToken + " " + args);
  INFO("pkcs11-tool " << args << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

std::string login_args() { return std::string("--login --pin ") + SoftHsmFixture::kUserPin; }

Bytes read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Bytes out(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) out[i] = static_cast<std::byte>(raw[i]);
  return out;
}

}  // namespace

TEST_SUITE("softhsm") {
  TEST_CASE("keys Hallmark generated sign through libp11's EVP_PKEY and Hallmark verifies") {
    SoftHsmFixture hsm({kToken});
    std::optional<verifier::PublicKey> p256;
    std::optional<verifier::PublicKey> p384;
    {
      auto session = hsm.open(kToken);
      auto a = hsm::generate_key(session, {v1::ECDSA_P256_SHA256, "hallmark-p256", {}, false});
      auto b = hsm::generate_key(session, {v1::ECDSA_P384_SHA384, "hallmark-p384", {}, false});
      REQUIRE((a && b));
      p256 = a->public_key();
      p384 = b->public_key();
    }  // Hallmark's session logs out and closes: libp11 logs in by itself.

    Libp11Token p11;
    REQUIRE(p11.enumerate() == 0);
    const std::string message = "release 1.0 may ship";
    struct Case {
      const char* label;
      const EVP_MD* md;
      const verifier::PublicKey* key;
    };
    for (const Case& c : {Case{"hallmark-p256", EVP_sha256(), &*p256},
                          Case{"hallmark-p384", EVP_sha384(), &*p384}}) {
      CAPTURE(c.label);
      PKCS11_KEY* key = p11.key(c.label);
      REQUIRE(key != nullptr);
      PkeyPtr private_key(PKCS11_get_private_key(key));
      REQUIRE(private_key);
      const Bytes signature = evp_sign(private_key.get(), c.md, message);
      CHECK(c.key->verify(as_bytes(message), signature));
      // and the signature is over this message only
      CHECK_FALSE(c.key->verify(as_bytes(std::string("release 1.1 may ship")), signature));
    }
  }

  TEST_CASE("a key pkcs11-tool generated signs through Hallmark and verifies with libp11's public key") {
    SoftHsmFixture hsm({kToken});
    // libp11 0.4.12 cannot generate EC keys (PKCS11_generate_key is RSA only, deprecated):
    // OpenSC's pkcs11-tool makes the key instead.
    pkcs11_tool(login_args() +
                " --keypairgen --key-type EC:prime256v1 --label tool-p256 --id 4242 --usage-sign");
    const std::string message = "made elsewhere, used by Hallmark";
    Bytes signature;
    v1::KeyProvenance provenance;
    {
      auto session = hsm.open(kToken);
      auto uri = hsm::TokenUri::parse("pkcs11:token=interop;object=tool-p256");
      REQUIRE(uri);
      auto key = hsm::TokenKey::find(session, *uri);
      REQUIRE_MESSAGE(key, (key ? "" : key.error().message));
      provenance = key->provenance();
      auto signer = hsm::TokenSigner::create(session, std::move(*key));
      REQUIRE(signer);
      auto signed_ = signer->sign(as_bytes(message));
      REQUIRE(signed_);
      signature = *signed_;
    }
    // Generated on the token (CKA_LOCAL) and never extractable: the policy lets a
    // production role use it, though Hallmark's own template is stricter (sign only).
    CHECK(provenance.local());
    CHECK(hsm::check_production_use(provenance, false, "key 'tool-p256'"));

    std::optional<Libp11Token> p11;
    PkeyPtr public_key;
    {
      // libp11 0.4.12 (Debian 12) never frees the object behind an EVP_PKEY public key under
      // OpenSSL 3 (328 bytes and its label), nor the slot and login PIN that object holds
      // (136 + 14 bytes), whether the key is reached from the private key or from the token's
      // public key object. libp11's allocations, made here; LeakSanitizer reported them at
      // exit (docs/testing.md, "Findings"). Nothing of Hallmark's runs in this scope.
      const hsm::ModuleAllocations libp11_public_key_leak;
      p11.emplace();
      REQUIRE(p11->enumerate() == 0);
      PKCS11_KEY* key = p11->key("tool-p256");
      REQUIRE(key != nullptr);
      public_key.reset(PKCS11_get_public_key(key));
    }
    REQUIRE(public_key);
    CHECK(evp_verify(public_key.get(), EVP_sha256(), message, signature));
    CHECK_FALSE(evp_verify(public_key.get(), EVP_sha256(), message + ".", signature));
  }

  TEST_CASE("pkcs11-tool lists Hallmark's keys and reads the same public key Hallmark reports") {
    SoftHsmFixture hsm({kToken});
    std::optional<verifier::PublicKey> p256;
    {
      auto session = hsm.open(kToken);
      auto a = hsm::generate_key(session, {v1::ECDSA_P256_SHA256, "hallmark-p256", {}, false});
      auto b = hsm::generate_key(session, {v1::ED25519, "hallmark-ed25519", {}, false});
      REQUIRE((a && b));
      p256 = a->public_key();
    }
    const std::string listed = pkcs11_tool(login_args() + " --list-objects");
    CHECK(contains(listed, "hallmark-p256"));
    CHECK(contains(listed, "hallmark-ed25519"));
    // The private keys stay sensitive and never extractable in another tool's eyes too.
    CHECK(contains(listed, "Private Key Object; EC"));
    CHECK(contains(listed, "never extractable"));

    const std::string out = (hsm.dir() / "p256.der").string();
    pkcs11_tool("--read-object --type pubkey --label hallmark-p256 -o " + shell_quote(out));
    auto read = verifier::PublicKey::from_spki_der(read_file_bytes(out));
    REQUIRE(read);
    CHECK(read->key_id() == p256->key_id());
    // pkcs11-tool 0.23 cannot export P-384 public keys and writes Ed25519 as PEM: Hallmark
    // builds public keys from CKA_EC_PARAMS + CKA_EC_POINT itself (hsm-profiles/src/spki.h).
  }

  TEST_CASE("libp11 cannot use a token holding an Ed25519 key: the known gap, said out loud") {
    SoftHsmFixture hsm({kToken});
    {
      auto session = hsm.open(kToken);
      REQUIRE(hsm::generate_key(session, {v1::ED25519, "hallmark-ed25519", {}, false}));
      REQUIRE(hsm::generate_key(session, {v1::ECDSA_P256_SHA256, "hallmark-p256", {}, false}));
    }
    Libp11Token p11;
    const int enumerated = p11.enumerate();
    if (enumerated != 0) {
      MESSAGE("libp11 0.4.12: one Ed25519 key makes PKCS11_enumerate_keys fail for the whole "
              "token; keep Ed25519 keys on a token of their own if libp11 must use the others");
    } else {
      // A libp11 that enumerates still has no Ed25519 EVP_PKEY: the gap is the key itself.
      PKCS11_KEY* ed = p11.key("hallmark-ed25519");
      PkeyPtr pkey(ed != nullptr ? PKCS11_get_private_key(ed) : nullptr);
      MESSAGE("libp11 enumerated a token with an Ed25519 key; Ed25519 EVP_PKEY: "
              << (pkey ? "yes" : "no"));
    }
    // Hallmark itself signs with both keys on that token either way.
    auto session = hsm.open(kToken);
    for (const char* label : {"hallmark-ed25519", "hallmark-p256"}) {
      auto uri = hsm::TokenUri::parse(std::string("pkcs11:token=interop;object=") + label);
      REQUIRE(uri);
      auto key = hsm::TokenKey::find(session, *uri);
      REQUIRE(key);
      auto signer = hsm::TokenSigner::create(session, std::move(*key));
      REQUIRE(signer);
      CHECK(signer->sign(as_bytes(std::string("statement"))));
    }
  }
}

// Public keys (every SubjectPublicKeyInfo a trust root, a registration, a device or a card
// hands over): PublicKey::from_spki_der(), whose P-256 fast path imports the point itself,
// against OpenSSL's generic decoder, and from_pem(). Both paths must agree on what they
// accept and give one canonical encoding (and so one key id) for it.
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fuzz/fuzz_support.h"
#include "verifier/core/openssl_handles.h"

namespace {

// OpenSSL's own answer: the key, if it is a valid EC point or any other key it decodes.
bool generic_accepts_ec(hallmark::ByteView der, hallmark::Bytes& canonical) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  hallmark::ossl::PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) return false;
  hallmark::ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_public_check_quick(ctx.get()) != 1) return false;
  EVP_PKEY_set_utf8_string_param(key.get(), "point-format", "uncompressed");
  unsigned char* out = nullptr;
  const int len = i2d_PUBKEY(key.get(), &out);
  if (len <= 0) return false;
  hallmark::ossl::OpensslPtr<unsigned char> owned(out);
  const auto* first = reinterpret_cast<const std::byte*>(out);
  canonical.assign(first, first + len);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  const ByteView der = fuzz::bytes_of(data, size);
  auto key = verifier::PublicKey::from_spki_der(der);
  if (key && (key->algorithm() == v1::ECDSA_P256_SHA256 ||
              key->algorithm() == v1::ECDSA_P384_SHA384)) {
    Bytes canonical;
    if (!generic_accepts_ec(der, canonical)) fuzz::finding("accepted an EC key OpenSSL refuses");
    if (canonical != key->spki_der()) fuzz::finding("EC key's canonical DER differs from OpenSSL's");
  }
  if (key) {
    auto again = verifier::PublicKey::from_spki_der(key->spki_der());
    if (!again || again->key_id() != key->key_id()) fuzz::finding("canonical DER changes the key id");
  }
  ERR_clear_error();
  (void)verifier::PublicKey::from_pem(fuzz::text_of(data, size));
  ERR_clear_error();
  return 0;
}

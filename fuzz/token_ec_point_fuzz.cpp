// What a PKCS#11 module returns for a key (CKA_EC_PARAMS, CKA_EC_POINT, CKA_MODULUS,
// CKA_PUBLIC_EXPONENT; a card or a token is untrusted input too): hsm::public_key_from_ec()
// and public_key_from_rsa(). Input: one length byte, then the parameters (or modulus) of
// that length, then the point (or exponent). A key accepted must be one the verifier's own
// import accepts with the same key id.
#include "fuzz/fuzz_support.h"
#include "hsm-profiles/src/spki.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  if (size < 1) return 0;
  const std::size_t split = std::min<std::size_t>(data[0], size - 1);
  const ByteView first = fuzz::bytes_of(data + 1, split);
  const ByteView second = fuzz::bytes_of(data + 1 + split, size - 1 - split);
  for (auto key : {hsm::public_key_from_ec(first, second), hsm::public_key_from_rsa(first, second)}) {
    if (!key) continue;
    auto again = verifier::PublicKey::from_spki_der(key->spki_der());
    if (!again || again->key_id() != key->key_id()) {
      fuzz::finding("a token key the verifier's import does not accept as the same key");
    }
  }
  if (auto alg = hsm::algorithm_from_ec_params(first)) (void)hsm::unwrap_ec_point(*alg, second);
  return 0;
}

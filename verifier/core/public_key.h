// PublicKey: a trusted or claimed public key, and the one place that says how each
// Hallmark algorithm verifies a signature.
//
// A PublicKey exists only for the four algorithms Hallmark accepts: ECDSA P-256/SHA-256,
// ECDSA P-384/SHA-384, RSA-3072 RSASSA-PSS/SHA-256 (MGF1-SHA-256, salt 32) and Ed25519.
// Anything else (RSA of another size, other curves, explicit curve parameters, invalid
// points, private-key files) is refused when the key is read, not when it is used. The key
// id is the lowercase hex SHA-256 of the key's canonical DER SubjectPublicKeyInfo (EC
// points normalised to uncompressed form), so two encodings of one key share one id.
// Never reads or holds private key material. Immutable; copies share the OpenSSL key and
// a PublicKey may be used from several threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "hallmark/keys.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::verifier {

class PublicKey {
 public:
  // DER SubjectPublicKeyInfo, nothing before or after it.
  static Result<PublicKey> from_spki_der(ByteView der);
  // The first PEM block must be "PUBLIC KEY" (SubjectPublicKeyInfo).
  static Result<PublicKey> from_pem(std::string_view pem);
  // Checks that key_id and algorithm, when set, agree with spki_der.
  static Result<PublicKey> from_proto(const v1::PublicKey& proto);

  [[nodiscard]] v1::KeyAlgorithm algorithm() const noexcept;
  [[nodiscard]] const Bytes& spki_der() const noexcept;
  [[nodiscard]] const std::string& key_id() const noexcept;
  [[nodiscard]] std::string to_pem() const;
  [[nodiscard]] v1::PublicKey to_proto() const;

  // Ok only if `signature` is a valid signature over `message` under this key with this
  // key's algorithm (see the paragraph above; ECDSA signatures are DER, Ed25519 is pure).
  // Any failure is kVerificationFailed naming the key id.
  [[nodiscard]] Result<void> verify(ByteView message, ByteView signature) const;

  // verify() for a message the caller has already hashed with SHA-256 (a streamed image):
  // Ok only if `signature` signs the message whose SHA-256 is `sha256_digest`. Only for
  // the algorithms that sign a SHA-256 digest (ECDSA P-256, RSA-PSS-3072 with the same
  // PSS parameters as verify()); kUsage for Ed25519 (pure, hashes internally) and P-384
  // (SHA-384). Any signature failure is kVerificationFailed naming the key id.
  [[nodiscard]] Result<void> verify_digest(const Digest& sha256_digest,
                                           ByteView signature) const;

  friend bool operator==(const PublicKey& a, const PublicKey& b) noexcept {
    return a.key_id() == b.key_id();
  }

 private:
  struct State;
  explicit PublicKey(std::shared_ptr<const State> state) noexcept;
  std::shared_ptr<const State> state_;
};

// PKCS#11 tokens return ECDSA signatures as r‖s (two equal-length big-endian integers);
// documents carry DER (SEQUENCE { INTEGER r, INTEGER s }). Fails on an odd or empty input.
[[nodiscard]] Result<Bytes> ecdsa_raw_to_der(ByteView r_concat_s);

}  // namespace hallmark::verifier

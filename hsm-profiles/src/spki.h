// Public keys from PKCS#11 attributes: CKA_EC_PARAMS + CKA_EC_POINT, or CKA_MODULUS +
// CKA_PUBLIC_EXPONENT, to a verifier::PublicKey (canonical DER SubjectPublicKeyInfo and
// key id), plus the named-curve parameters Hallmark asks tokens for.
//
// Tolerates what real modules return: CKA_EC_POINT wrapped in a DER OCTET STRING or raw,
// Ed25519 parameters as the OID 1.3.101.112 or the PrintableString "edwards25519".
// Refuses every other curve and RSA size (verifier::PublicKey's rule). Pure functions over
// bytes: no token access, no private keys. Thread-safe.
#pragma once

#include "hallmark/keys.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"

namespace hallmark::hsm {

// DER CKA_EC_PARAMS to request for `algorithm` (an OBJECT IDENTIFIER); empty for RSA.
ByteView ec_params_for(v1::KeyAlgorithm algorithm);

// The algorithm whose curve `ec_params` names (P-256, P-384, Ed25519 in either form).
Result<v1::KeyAlgorithm> algorithm_from_ec_params(ByteView ec_params);

// The point's octets: CKA_EC_POINT with its DER OCTET STRING wrapper removed if present.
Result<Bytes> unwrap_ec_point(v1::KeyAlgorithm algorithm, ByteView ec_point);

Result<verifier::PublicKey> public_key_from_ec(ByteView ec_params, ByteView ec_point);
Result<verifier::PublicKey> public_key_from_rsa(ByteView modulus, ByteView public_exponent);

}  // namespace hallmark::hsm

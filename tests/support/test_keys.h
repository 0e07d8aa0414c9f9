// Helpers for the token-layer tests: OpenSSL keys and an OpenSSL verification that does
// not go through hallmark::verifier, so round-trip tests check the format independently.
#pragma once

#include <string>

#include <openssl/evp.h>

#include "hallmark/keys.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/openssl_handles.h"

namespace hallmark::testing {

// A fresh OpenSSL key: "ED25519", "P-256", "P-384" or "RSA" (3072 bits).
ossl::PkeyPtr generate_openssl_key(const std::string& kind);

// DER SubjectPublicKeyInfo of `key`.
Bytes spki_of(EVP_PKEY* key);

// Raw public point/bytes as PKCS#11 CKA_EC_POINT holds them (without the OCTET STRING).
Bytes raw_public_point(EVP_PKEY* key);

// Verifies with plain EVP calls: ECDSA over SHA-256/384 (DER signature), RSA-PSS
// SHA-256/MGF1-SHA-256/salt 32, Ed25519 pure.
bool openssl_verify(ByteView spki_der, v1::KeyAlgorithm algorithm, ByteView message,
                    ByteView signature);

}  // namespace hallmark::testing

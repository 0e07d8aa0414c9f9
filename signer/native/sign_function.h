// SignFunction: how the native-format signers obtain a signature without knowing where
// the key lives.
//
// The callback receives the exact bytes to sign and returns the signature as
// verifier::PublicKey::verify() expects it (DER ECDSA over SHA-256, RSASSA-PSS SHA-256 /
// MGF1-SHA-256 / salt 32): exactly what hsm::TokenSigner::sign() produces, and the same
// std::function type as x509::SignFunction, so x509::token_sign_function() plugs a token
// key in. Defined here so the native signers need no PKCS#11 code. The callback is called
// once per signature, on the calling thread.
#pragma once

#include <functional>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"

namespace hallmark::native {

using SignFunction = std::function<Result<Bytes>(ByteView message)>;

}  // namespace hallmark::native

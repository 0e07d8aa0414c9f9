// The one place that turns PKCS#11 return values and mechanism numbers into text.
//
// Every token error Hallmark reports goes through token_error(), so a message always
// carries the CKR_ name and Error::ck_rv. Pure functions over constants; thread-safe.
// Never sees PINs or key material.
#pragma once

#include <string>
#include <string_view>

#include <p11-kit/pkcs11.h>

#include "verifier/core/error.h"

namespace hallmark::hsm {

// "CKR_PIN_INCORRECT"; unknown values as "CKR_0x000001f0" (vendor codes included).
std::string ck_rv_name(CK_RV rv);

// "CKM_ECDSA"; unknown values as "CKM_0x...".
std::string ck_mechanism_name(CK_MECHANISM_TYPE mechanism);

// ErrorCode::kToken with ck_rv set: "<context>: <CKR_NAME>".
Error token_error(CK_RV rv, std::string_view context);

// token_error() wrapped for `return` in functions returning Result<T>.
inline std::unexpected<Error> token_fail(CK_RV rv, std::string_view context) {
  return std::unexpected(token_error(rv, context));
}

}  // namespace hallmark::hsm

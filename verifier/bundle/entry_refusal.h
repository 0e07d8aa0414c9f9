// How the checks of a promoted bundle (promoted_bundle.cpp, native_image_check.cpp) refuse:
// an Error whose message starts with the bundle entry at fault. Internal to verifier/bundle.
#pragma once

#include <algorithm>
#include <expected>
#include <string>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"

namespace hallmark::bundle {

inline Error refuse(ErrorCode code, const std::string& entry, const std::string& rule) {
  return Error{code, entry + ": " + rule, 0, {}};
}
inline std::unexpected<Error> bad(const std::string& entry, const std::string& rule) {
  return std::unexpected(refuse(ErrorCode::kVerificationFailed, entry, rule));
}

inline bool same(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace hallmark::bundle

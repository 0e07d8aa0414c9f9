// Error: what went wrong, for a person, and how the command line reports it.
//
// Every library API returns std::expected<T, Error> (alias Result<T>) instead of throwing.
// An Error carries a code that maps to the documented exit codes, a message that names the
// file, token, key or serial at fault and says what to do, and, where there is one, the
// PKCS#11 return value or the OpenSSL reason. Thread-safe: plain values.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <utility>

namespace hallmark {

enum class ErrorCode {
  kVerificationFailed,  // a signature, digest, chain or threshold did not verify
  kPolicyRefused,       // verified, but policy says no (extractable key, rollback, ...)
  kUsage,               // bad arguments or malformed input the caller supplied
  kToken,               // PKCS#11: token absent, wrong PIN, key absent, mechanism refused
  kIo,                  // file system
  kInternal,            // a bug or an unexpected library failure
};

// Exit codes of every Hallmark command (docs/design.md §8).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitToken = 3;
inline constexpr int kExitIo = 4;
inline constexpr int kExitInternal = 5;

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::uint64_t ck_rv = 0;       // PKCS#11 CK_RV when non-zero
  std::string openssl_reason;    // first OpenSSL error string when there was one

  // Prefixes context ("signing trust-root.json: ") keeping code and reasons.
  [[nodiscard]] Error context(const std::string& what) && {
    message = what + ": " + message;
    return std::move(*this);
  }
  [[nodiscard]] Error context(const std::string& what) const& {
    Error copy = *this;
    copy.message = what + ": " + copy.message;
    return copy;
  }
};

template <class T>
using Result = std::expected<T, Error>;

// Shorthand for `return fail(ErrorCode::kUsage, "...")` inside functions returning Result.
inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected(Error{code, std::move(message), 0, {}});
}

constexpr int exit_code(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kVerificationFailed:
    case ErrorCode::kPolicyRefused: return kExitRefused;
    case ErrorCode::kUsage: return kExitUsage;
    case ErrorCode::kToken: return kExitToken;
    case ErrorCode::kIo: return kExitIo;
    case ErrorCode::kInternal: return kExitInternal;
  }
  return kExitInternal;
}

}  // namespace hallmark

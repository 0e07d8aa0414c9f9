#include "verifier/core/software_token.h"

#include <array>

namespace hallmark::verifier {
namespace {

// What SoftHSMv2 reports in CK_TOKEN_INFO (manufacturerID "SoftHSM project", model
// "SoftHSM v2"); matching the prefix also covers a forwarding module (the fault-injection
// module of the tests) and later SoftHSM versions.
constexpr std::array<std::string_view, 1> kSoftwarePrefixes = {"SoftHSM"};

bool starts_with_any(std::string_view text) {
  for (auto prefix : kSoftwarePrefixes) {
    if (text.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace

bool names_software_token(const v1::TokenInfo& token) {
  return starts_with_any(token.manufacturer()) || starts_with_any(token.model());
}

bool is_software_token(const v1::TokenInfo& token) {
  return token.software_token() || names_software_token(token);
}

Result<void> check_software_token_claim(const v1::TokenInfo& token, std::string_view where) {
  if (!token.profile().empty() && names_software_token(token) && !token.software_token()) {
    return fail(ErrorCode::kVerificationFailed,
                std::string(where) + ": token '" + token.label() + "' names itself " +
                    token.manufacturer() + " " + token.model() +
                    ", a software token, but the record does not say software_token: the "
                    "record was altered or written by a tool that skips the software-token "
                    "rule");
  }
  return {};
}

std::string describe_software_token(const v1::TokenInfo& token) {
  return "software token '" + token.label() + "' (" + token.manufacturer() + " " +
         token.model() + "), allowed by " + std::string(kAllowSoftwareTokenFlag);
}

}  // namespace hallmark::verifier

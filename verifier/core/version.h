// Release versions as Hallmark compares them for anti-rollback: dot-separated numbers
// ("1.2.0"), compared numerically component by component, missing components as 0
// ("1.2" == "1.2.0"). One rule for the signer's promotion history and the station's intake.
// Pure; thread-safe.
#pragma once

#include <compare>
#include <string_view>

#include "verifier/core/error.h"

namespace hallmark::verifier {

// ErrorCode::kUsage for anything that is not dot-separated decimal numbers.
[[nodiscard]] Result<std::strong_ordering> compare_versions(std::string_view a,
                                                            std::string_view b);

// The same check alone: `version` is dot-separated numbers.
[[nodiscard]] Result<void> check_version(std::string_view version);

}  // namespace hallmark::verifier

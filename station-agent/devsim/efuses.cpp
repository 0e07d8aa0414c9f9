#include "station-agent/devsim/efuses.h"

#include <fmt/format.h>

namespace hallmark::devsim {

Result<void> burn_efuse(device::EfuseState& efuses, std::string_view name, ByteView value) {
  bool* burned = nullptr;
  const bool key_digest = name == device::kEfuseKeyDigest;
  if (key_digest) {
    burned = &efuses.key_digest_burned;
  } else if (name == device::kEfuseSecureBoot) {
    burned = &efuses.secure_boot_enabled;
  } else if (name == device::kEfuseDebugDisable) {
    burned = &efuses.debug_disabled;
  } else {
    return fail(ErrorCode::kUsage, fmt::format("unknown eFuse '{}' (known: {}, {}, {})", name,
                                               device::kEfuseKeyDigest, device::kEfuseSecureBoot,
                                               device::kEfuseDebugDisable));
  }
  if (key_digest && value.size() != verifier::Digest::kSize) {
    return fail(ErrorCode::kUsage, fmt::format("eFuse '{}' takes {} bytes, not {}", name,
                                               verifier::Digest::kSize, value.size()));
  }
  if (*burned) {
    return fail(ErrorCode::kPolicyRefused, fmt::format("eFuse '{}' is already burned (one-time)", name));
  }
  if (key_digest) {
    efuses.key_digest = *verifier::Digest::from_bytes(value);
  } else if (value.size() != 1 || value[0] != std::byte{1}) {
    return fail(ErrorCode::kUsage, fmt::format("eFuse '{}' takes the single byte 01", name));
  }
  *burned = true;
  return {};
}

}  // namespace hallmark::devsim

// Reading signed documents (DSSE JSON files) for the signer's commands: one place that
// bounds the read and names the file at fault.
#pragma once

#include <filesystem>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "verifier/core/error.h"

namespace hallmark::signer {

[[nodiscard]] Result<v1::Envelope> read_envelope(const std::filesystem::path& path);
[[nodiscard]] Result<std::vector<v1::Envelope>> read_envelopes(
    const std::vector<std::filesystem::path>& paths);

}  // namespace hallmark::signer

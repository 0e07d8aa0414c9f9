// What every signer command reads: signed documents (DSSE JSON files, bounded reads that
// name the file at fault) and the clock (the libraries never read it themselves).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "verifier/bundle/bundle_reader.h"
#include "verifier/core/error.h"
#include "verifier/trust/trust.h"

namespace hallmark::signer {

// Approvals, trust roots, revocations and registrations are DSSE JSON of a few KiB, carried
// in promoted bundles as promotion entries: a file larger than such an entry may be is
// refused before it is parsed.
inline constexpr std::size_t kMaxSignedDocumentBytes = bundle::kMaxPromotionEntryBytes;

[[nodiscard]] Result<v1::Envelope> read_envelope(const std::filesystem::path& path);
[[nodiscard]] Result<std::vector<v1::Envelope>> read_envelopes(
    const std::vector<std::filesystem::path>& paths);

// The signing host's trust root (load_trust, its own anchor: AnchorPin::signing_host), each
// document named by its file.
[[nodiscard]] Result<verifier::Trust> read_trust(const std::vector<std::filesystem::path>& chain,
                                                 const std::vector<std::filesystem::path>& revocations,
                                                 std::int64_t now_unix);

// Now, in unix seconds.
[[nodiscard]] std::int64_t unix_now();

}  // namespace hallmark::signer

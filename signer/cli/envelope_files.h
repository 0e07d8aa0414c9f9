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
#include "verifier/io/clock.h"
#include "verifier/io/envelope_file.h"
#include "verifier/tool/trust_root_flags.h"
#include "verifier/trust/trust.h"

namespace hallmark::signer {

// The one reader of signed-document files and its one size limit
// (verifier/io/envelope_file.h); an approval too large for a promotion entry is refused
// when the promoted bundle is verified before it is committed.
using fileio::read_envelope;
using fileio::read_envelopes;

// The signing host's trust root (load_trust, its own anchor: AnchorPin::signing_host), each
// document named by its file.
[[nodiscard]] Result<verifier::Trust> read_trust(const std::vector<std::filesystem::path>& chain,
                                                 const std::vector<std::filesystem::path>& revocations,
                                                 std::int64_t now_unix);

// Now, in unix seconds: hallmark::unix_now() (verifier/io/clock.h).

}  // namespace hallmark::signer

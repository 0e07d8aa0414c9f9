#include "signer/cli/envelope_files.h"

#include "verifier/core/dsse.h"
#include "verifier/io/file_io.h"

namespace hallmark::signer {

Result<verifier::Trust> read_trust(const std::vector<std::filesystem::path>& chain,
                                   const std::vector<std::filesystem::path>& revocations,
                                   std::int64_t now_unix) {
  verifier::TrustInputs inputs;
  inputs.anchor = verifier::AnchorPin::signing_host();
  inputs.now_unix = now_unix;
  for (const auto& p : chain) {
    auto e = read_envelope(p);
    if (!e) return std::unexpected(e.error());
    inputs.chain.push_back({p.string(), std::move(*e)});
  }
  for (const auto& p : revocations) {
    auto e = read_envelope(p);
    if (!e) return std::unexpected(e.error());
    inputs.revocations.push_back({p.string(), std::move(*e)});
  }
  return verifier::load_trust(std::move(inputs));
}

}  // namespace hallmark::signer

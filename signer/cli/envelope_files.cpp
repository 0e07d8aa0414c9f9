#include "signer/cli/envelope_files.h"

#include <chrono>

#include "verifier/core/dsse.h"
#include "verifier/io/file_io.h"

namespace hallmark::signer {

Result<v1::Envelope> read_envelope(const std::filesystem::path& path) {
  auto json = fileio::read_file(path, kMaxSignedDocumentBytes);
  if (!json) return std::unexpected(json.error());
  auto envelope = verifier::parse_envelope_json(as_chars(*json));
  if (!envelope) return std::unexpected(std::move(envelope).error().context(path.string()));
  return envelope;
}

Result<std::vector<v1::Envelope>> read_envelopes(const std::vector<std::filesystem::path>& paths) {
  std::vector<v1::Envelope> out;
  for (const auto& p : paths) {
    auto e = read_envelope(p);
    if (!e) return std::unexpected(e.error());
    out.push_back(std::move(*e));
  }
  return out;
}

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

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace hallmark::signer

#include "verifier/io/envelope_file.h"

#include "verifier/core/dsse.h"
#include "verifier/io/file_io.h"

namespace hallmark::fileio {

Result<v1::Envelope> read_envelope(const std::filesystem::path& path, std::size_t max_bytes) {
  auto json = read_file(path, max_bytes);
  if (!json) return std::unexpected(std::move(json).error());
  auto envelope = verifier::parse_envelope_json(as_chars(*json));
  if (!envelope) return std::unexpected(std::move(envelope).error().context(path.string()));
  return envelope;
}

Result<std::vector<v1::Envelope>> read_envelopes(const std::vector<std::filesystem::path>& paths) {
  std::vector<v1::Envelope> out;
  out.reserve(paths.size());
  for (const auto& path : paths) {
    auto envelope = read_envelope(path);
    if (!envelope) return std::unexpected(std::move(envelope).error());
    out.push_back(std::move(*envelope));
  }
  return out;
}

}  // namespace hallmark::fileio

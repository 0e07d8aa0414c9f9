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

}  // namespace hallmark::fileio

#include "ceremony/src/outputs.h"

#include <fmt/format.h>
#include <unistd.h>

#include "verifier/core/dsse.h"
#include "verifier/io/file_io.h"

namespace hallmark::ceremony {
namespace {

constexpr int kMaxTranscriptNames = 1000;

}  // namespace

std::filesystem::path transcript_path_for(const std::filesystem::path& document_path) {
  std::string stem = document_path.filename().string();
  if (stem.ends_with(".json")) stem.resize(stem.size() - 5);
  return document_path.parent_path() / (stem + ".transcript.json");
}

Result<WrittenOutputs> write_outcome(const CeremonyOutcome& outcome,
                                     const std::filesystem::path& document_path) {
  WrittenOutputs written;
  const std::string transcript_json = verifier::envelope_to_json(outcome.transcript);
  const std::filesystem::path first = transcript_path_for(document_path);
  for (int n = 1; n <= kMaxTranscriptNames; ++n) {
    std::filesystem::path candidate = first;
    if (n > 1) {
      std::string name = first.filename().string();
      name.insert(name.size() - 5, fmt::format(".{}", n));  // before ".json"
      candidate = first.parent_path() / name;
    }
    std::error_code ec;
    if (std::filesystem::exists(candidate, ec)) continue;
    auto ok = fileio::write_file_exclusive(candidate, as_bytes(transcript_json), 0644);
    if (!ok) return std::unexpected(ok.error().context("writing the ceremony transcript"));
    written.transcript = candidate;
    break;
  }
  if (written.transcript.empty()) {
    return fail(ErrorCode::kIo, fmt::format("{} and {} more transcript names are taken: move "
                                            "old transcripts away",
                                            first.string(), kMaxTranscriptNames - 1));
  }
  if (outcome.ok()) {
    const std::string json = verifier::envelope_to_json(*outcome.document);
    if (auto ok = fileio::write_file_atomic(document_path, as_bytes(json)); !ok) {
      return std::unexpected(ok.error());
    }
    written.document = document_path;
  }
  return written;
}

Result<void> check_output_free(const std::filesystem::path& out) {
  if (out.empty()) return fail(ErrorCode::kUsage, "choose where the ceremony's output goes");
  std::error_code ec;
  const std::filesystem::path dir = out.has_parent_path() ? out.parent_path() : ".";
  std::filesystem::create_directories(dir, ec);
  if (ec || ::access(dir.c_str(), W_OK) != 0) {
    return fail(ErrorCode::kIo, fmt::format("cannot write into {}: {}; choose a writable "
                                            "output directory",
                                            dir.string(),
                                            ec ? ec.message() : std::string("no permission")));
  }
  if (std::filesystem::exists(out, ec)) {
    return fail(ErrorCode::kUsage,
                fmt::format("{} exists: a ceremony never replaces a signed document; choose "
                            "another path or move it away",
                            out.string()));
  }
  return {};
}

}  // namespace hallmark::ceremony

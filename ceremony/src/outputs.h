// Reading a ceremony's inputs (DSSE JSON envelopes) and writing its outputs.
//
// Outputs are written only from a finished CeremonyOutcome: its document was verified
// before the outcome was returned. The transcript goes next to the document as
// "<stem>.transcript.json" and is never replaced: when that name is taken (an earlier,
// perhaps refused, attempt) it becomes "<stem>.transcript.2.json", and so on, created
// exclusively. The document is written atomically (temporary file, fsync, rename) and only
// when the ceremony succeeded; a refused ceremony leaves its transcript and nothing else.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "ceremony/src/ceremony.h"
#include "hallmark/dsse.pb.h"
#include "verifier/core/error.h"
#include "verifier/io/envelope_file.h"

namespace hallmark::ceremony {

struct WrittenOutputs {
  std::optional<std::filesystem::path> document;
  std::filesystem::path transcript;
};

Result<WrittenOutputs> write_outcome(const CeremonyOutcome& outcome,
                                     const std::filesystem::path& document_path);

// "<dir>/<stem>.transcript.json" for "<dir>/<stem>.json".
std::filesystem::path transcript_path_for(const std::filesystem::path& document_path);

using fileio::read_envelope;  // verifier/io/envelope_file.h

// Refuses to start a ceremony whose output `out` cannot be written: kUsage when it is empty
// or exists (a ceremony never replaces a signed document), kIo when its directory cannot be
// created or written. Called before any card is touched, not after the custodians have
// signed; the command line and the custodian console both call it.
Result<void> check_output_free(const std::filesystem::path& out);
// The one reader of a list of signed-document files (verifier/io/envelope_file.h).
using fileio::read_envelopes;

}  // namespace hallmark::ceremony

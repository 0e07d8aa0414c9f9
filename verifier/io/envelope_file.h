// Reading a signed document (a DSSE envelope in its JSON form) from a file: the one reader
// every command uses for trust roots, revocations, registrations, rosters, approvals,
// enrollment requests, transcripts and backup manifests, and the station uses for its
// state snapshot.
//
// The size limit is enforced while reading (fileio::read_file), before the JSON parser sees
// a byte. Signed documents share one, kMaxSignedDocumentBytes: such documents are a few
// KiB; a limit a thousand times that leaves room for large rosters and long transcripts and
// still stops a memory bomb. A kind of envelope file with other sizes names its own
// constant where it is read and passes it (the station snapshot: kMaxSnapshotBytes in
// station-agent/station/station_snapshot.cpp). (Documents carried inside a promoted bundle
// have the bundle format's own, tighter entry limit, checked by the bundle reader.) The
// envelope is parsed, not verified: verification needs the trust the caller loads. Errors
// name the file. Thread-safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "verifier/core/error.h"

namespace hallmark::fileio {

inline constexpr std::size_t kMaxSignedDocumentBytes = 4 * 1024 * 1024;

// kIo for a missing, unreadable or over-long file (naming the file and the limit in
// bytes); the JSON parser's Error (kUsage or kVerificationFailed) prefixed with the path
// otherwise. `max_bytes`: the largest file accepted.
[[nodiscard]] Result<v1::Envelope> read_envelope(
    const std::filesystem::path& path, std::size_t max_bytes = kMaxSignedDocumentBytes);

// read_envelope() of each path, in order (a trust-root chain, the revocations); the first
// file that fails is the error.
[[nodiscard]] Result<std::vector<v1::Envelope>> read_envelopes(
    const std::vector<std::filesystem::path>& paths);

}  // namespace hallmark::fileio

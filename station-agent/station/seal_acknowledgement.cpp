#include "station-agent/station/seal_acknowledgement.h"

#include <fmt/format.h>

#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/log/manifest_file.h"

namespace hallmark::station {

Result<SealAcknowledgement> verify_seal_acknowledgement(std::string_view manifest_json,
                                                        std::string_view name,
                                                        const verifier::TrustedRoot& root,
                                                        const StationId& station_id) {
  auto file = verifier::parse_manifest_file_json(manifest_json, name);
  if (!file) return std::unexpected(std::move(file).error());
  auto verified = verifier::verify_manifest_file(*file, root);
  if (!verified) {
    return std::unexpected(std::move(verified).error().context(
        fmt::format("acknowledgement {}", name)));
  }
  if (verified->station_id != station_id) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("acknowledgement {} is of station \"{}\", not this station \"{}\"",
                            name, verified->station_id, station_id));
  }
  SealAcknowledgement ack;
  ack.sequence = verified->manifest.station_sequence();
  ack.log_index = verified->leaf_index;
  ack.tree_size = verified->checkpoint.tree_size();
  ack.attestation = verified->manifest.attestation_envelope();
  if (ack.sequence == 0) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("acknowledgement {} names no journal record", name));
  }
  return ack;
}

Result<void> matches(const SealAcknowledgement& ack, const JournalEntry& entry) {
  auto journaled = verifier::parse_envelope_json(as_chars(entry.attestation_envelope));
  if (!journaled) {
    return std::unexpected(std::move(journaled).error().context(
        fmt::format("record {} of the journal", entry.sequence)));
  }
  if (entry.sequence != ack.sequence ||
      verifier::deterministic_bytes(*journaled) != verifier::deterministic_bytes(ack.attestation)) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("record {} of this journal is not the record {} the signer "
                            "countersigned as log entry {} (the journal forked from what the "
                            "signer holds: restored from a backup, or rewritten)",
                            entry.sequence, ack.sequence, ack.log_index));
  }
  return {};
}

}  // namespace hallmark::station

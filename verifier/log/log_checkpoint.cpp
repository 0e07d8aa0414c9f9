// Evidence-log checkpoints: the EVIDENCE role's signature, then the exact verified bytes.
#include "verifier/log/log_checkpoint.h"

#include <fmt/format.h>

#include <utility>

#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

namespace hallmark::verifier {

Result<VerifiedCheckpoint> verify_log_checkpoint(std::string_view envelope_json,
                                                 const TrustedRoot& root) {
  auto envelope = parse_envelope_json(envelope_json);
  if (!envelope) {
    return fail(ErrorCode::kVerificationFailed,
                "log checkpoint is not a DSSE envelope: " + envelope.error().message);
  }
  auto verified = root.verify(*envelope, v1::EVIDENCE, kLogCheckpointType);
  if (!verified) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("log checkpoint is not signed by the EVIDENCE key of trust root v{}: "
                            "{} (check that you pinned the trust root this log was signed under)",
                            root.version(), verified.error().message));
  }
  auto checkpoint = parse_verified<v1::LogCheckpoint>(verified->first);
  if (!checkpoint) return std::unexpected(std::move(checkpoint).error().context("log checkpoint"));
  auto digest = Digest::from_bytes(as_bytes(checkpoint->root_hash()));
  if (!digest) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("log checkpoint at tree size {} has a root hash of {} bytes, not 32",
                            checkpoint->tree_size(), checkpoint->root_hash().size()));
  }
  if (checkpoint->origin() != kLogOrigin) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("log checkpoint names origin \"{}\", not \"{}\": it is not a "
                            "checkpoint of the Hallmark evidence log",
                            checkpoint->origin(), kLogOrigin));
  }
  return VerifiedCheckpoint{std::move(*checkpoint), *digest, verified->second.key_ids};
}

Result<std::vector<Digest>> digests_of(
    const google::protobuf::RepeatedPtrField<std::string>& hashes, std::string_view what) {
  std::vector<Digest> out;
  out.reserve(static_cast<std::size_t>(hashes.size()));
  for (int i = 0; i < hashes.size(); ++i) {
    auto digest = Digest::from_bytes(as_bytes(hashes.Get(i)));
    if (!digest) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("{}: hash {} is {} bytes, not 32", what, i, hashes.Get(i).size()));
    }
    out.push_back(*digest);
  }
  return out;
}

bool same_tree(const v1::LogCheckpoint& checkpoint, const v1::LogCheckpoint& other) {
  return checkpoint.tree_size() == other.tree_size() &&
         checkpoint.root_hash() == other.root_hash();
}

}  // namespace hallmark::verifier

#include "ceremony/console/transcript_check.h"

#include <fmt/format.h>

#include "ceremony/src/outputs.h"
#include "verifier/core/bytes.h"
#include "verifier/trust/transcript.h"
#include "verifier/trust/trust.h"

namespace hallmark::ceremony::console {
namespace {

// Rows with the first break the library finds: prefix i+1 fails first at entry i.
void check_chain(const v1::CeremonyTranscript& transcript, TranscriptReport& report) {
  auto whole = verifier::check_transcript_chain(transcript);
  report.chain_ok = whole.has_value();
  if (!whole) report.chain_problem = whole.error().message;
  v1::CeremonyTranscript prefix;
  bool broken = false;
  for (int i = 0; i < transcript.entries_size(); ++i) {
    TranscriptRow row;
    row.index = i;
    v1::TranscriptEntry entry;
    const std::string& bytes = transcript.entries(i);
    if (entry.ParseFromString(bytes)) row.entry = std::move(entry);
    prefix.add_entries(bytes);
    if (broken) {
      row.link = TranscriptRow::Link::kAfterBreak;
      row.problem = "after the break: this entry cannot be trusted";
    } else if (auto ok = verifier::check_transcript_chain(prefix); !ok) {
      broken = true;
      row.link = row.entry ? TranscriptRow::Link::kBroken : TranscriptRow::Link::kUnreadable;
      row.problem = ok.error().message;
    }
    report.rows.push_back(std::move(row));
  }
}

}  // namespace

Result<TranscriptReport> check_transcript_files(const TranscriptFiles& files, int64_t now_unix) {
  auto envelope = read_envelope(files.transcript);
  if (!envelope) return std::unexpected(envelope.error());
  TranscriptReport report;
  v1::CeremonyTranscript transcript;
  if (!transcript.ParseFromString(envelope->payload())) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("{}: the payload is not a ceremony transcript",
                            files.transcript.string()));
  }
  report.ceremony = transcript.ceremony();
  report.plan_digest = transcript.plan_digest();
  report.result_digest_hex = to_hex(as_bytes(transcript.result_digest()));
  check_chain(transcript, report);

  if (files.trust_roots.empty()) {
    report.signature_problem =
        "signatures not checked: choose the trust root chain the ceremony ran under (for an "
        "init, the trust root it produced)";
    report.verdict = "NOT VERIFIED — " + report.signature_problem;
    return report;
  }
  verifier::TrustInputs inputs;
  inputs.anchor = verifier::AnchorPin::signing_host();
  inputs.now_unix = now_unix;
  for (const auto& path : files.trust_roots) {
    auto version = read_envelope(path);
    if (!version) return std::unexpected(version.error());
    inputs.chain.push_back({path, std::move(*version)});
  }
  for (const auto& path : files.revocations) {
    auto revocation = read_envelope(path);
    if (!revocation) return std::unexpected(revocation.error());
    inputs.revocations.push_back({path, std::move(*revocation)});
  }
  auto trust = verifier::load_trust(std::move(inputs));
  if (!trust) return std::unexpected(trust.error().context("trust root chain"));
  const verifier::TrustedRoot* root = &trust->root();
  report.trust_root_version = root->version();
  report.signatures_checked = true;
  auto signed_by = root->verify(*envelope, v1::ROOT, verifier::kTranscriptType);
  report.signatures_ok = signed_by.has_value();
  if (signed_by) {
    report.signers = signed_by->second.identities;
  } else {
    report.signature_problem = signed_by.error().message;
  }
  auto verified = verifier::verify_transcript(*envelope, *root);
  report.verified = verified.has_value();
  if (verified) {
    report.verdict = fmt::format(
        "VERIFIED — signed by {} (a threshold of the root role of trust root v{}); {} entries, "
        "hash chain intact",
        fmt::join(verified->signer_identities, ", "), report.trust_root_version,
        verified->entries.size());
  } else {
    report.verdict = "NOT VERIFIED — " + verified.error().message;
  }
  return report;
}

}  // namespace hallmark::ceremony::console

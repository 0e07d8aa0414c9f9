#include "ceremony/src/ceremony_run.h"

#include <algorithm>

#include <fmt/format.h>

#include "ceremony/src/plan.h"
#include "ceremony/src/summary.h"
#include "ceremony/src/trust_root_builder.h"
#include "verifier/core/sha256.h"

namespace hallmark::ceremony {

std::string join_names(const std::vector<std::string>& names) {
  return names.empty() ? std::string("nobody") : fmt::format("{}", fmt::join(names, ", "));
}

Result<verifier::Trust> verify_chain(std::span<const v1::Envelope> chain,
                                     std::span<const v1::Envelope> revocations, int64_t now,
                                     TranscriptRecorder& transcript) {
  const std::string actor(kCeremonyActor);
  verifier::TrustInputs inputs;
  inputs.anchor = verifier::AnchorPin::signing_host();
  inputs.now_unix = now;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    inputs.chain.push_back({fmt::format("trust root #{}", i + 1), chain[i]});
  }
  for (std::size_t i = 0; i < revocations.size(); ++i) {
    inputs.revocations.push_back({fmt::format("revocation #{}", i + 1), revocations[i]});
  }
  auto trust = verifier::load_trust(std::move(inputs));
  if (!trust) {
    transcript.failed("trust-root", actor, "the trust root chain or a revocation does not "
                                           "verify: " + trust.error().message);
    return std::unexpected(trust.error().context("trust root chain"));
  }
  const verifier::TrustedRoot& root = trust->root();
  transcript.ok("trust-root", actor,
                fmt::format("trust root chain v1..v{} verifies; v{} payload SHA-256 {}",
                            root.version(), root.version(), root.current_digest().hex()));
  for (const auto& applied : trust->revocations()) {
    transcript.ok("revocation", actor,
                  fmt::format("{} applied (payload SHA-256 {})", applied.name,
                              applied.digest.hex()));
  }
  return trust;
}

Result<verifier::Trust> open_root_trust(CeremonyRun& run, const LoadedPlan& plan,
                                        std::span<const v1::Envelope> chain,
                                        std::span<const v1::Envelope> revocations) {
  run.ui().step("Trust root chain");
  run.transcript().ok("plan", std::string(kCeremonyActor),
                      fmt::format("plan {} (SHA-256 {}) for the custodians' cards",
                                  plan.file_name(), plan.digest.hex()));
  return verify_chain(chain, revocations, run.now(), run.transcript());
}

std::vector<std::string> counting_custodians(const verifier::TrustedRoot& root) {
  std::vector<std::string> names;
  for (const auto& c : root.current().custodians()) {
    if (root.custodian_revoked(c.name())) continue;
    bool has_key = false;
    for (const auto& id : c.key_ids()) has_key = has_key || !root.key_revoked(id);
    if (has_key) names.push_back(c.name());
  }
  return names;
}

CeremonyRun::CeremonyRun(std::string ceremony, std::string plan_digest_hex,
                         CeremonyContext& context)
    : ui_(&context.ui),
      requested_present_(context.present),
      now_(context.clock()),
      transcript_(ceremony, std::move(plan_digest_hex), context.clock),
      table_(context.ui, transcript_),
      ceremony_(std::move(ceremony)) {}

Result<std::vector<std::string>> CeremonyRun::present(const std::vector<std::string>& known) {
  if (requested_present_.empty()) return known;
  std::vector<std::string> names;
  for (const auto& name : requested_present_) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      const std::string detail =
          fmt::format("'{}' is given as present but is not a custodian of this ceremony "
                      "(custodians: {}): check --present",
                      name, join_names(known));
      transcript_.failed("present", std::string(kCeremonyActor), detail);
      return fail(ErrorCode::kUsage, detail);
    }
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      const std::string detail =
          fmt::format("custodian {} is named twice as present: one person counts once", name);
      transcript_.failed("present", std::string(kCeremonyActor), detail);
      ui_->warning(detail);
      continue;
    }
    names.push_back(name);
  }
  transcript_.ok("present", std::string(kCeremonyActor),
                 fmt::format("at the table: {}", join_names(names)));
  return names;
}

CeremonyOutcome CeremonyRun::refuse(Error error,
                                    std::span<const v1::PlanCustodian* const> fallback) {
  transcript_.failed("refused", std::string(kCeremonyActor),
                     error.message + " — nothing but this transcript is written");
  ui_->warning(fmt::format("The {} ceremony is REFUSED: {}", ceremony_, error.message));
  ui_->refused(error);
  const v1::CeremonyTranscript finished = transcript_.finish({});
  CeremonyOutcome outcome;
  outcome.ceremony = ceremony_;
  // A usage error (a typo on the command line) does not call custodians to their cards.
  if (error.code == ErrorCode::kUsage) fallback = {};
  outcome.transcript =
      table_.close_transcript(finished, transcript_summary(finished, true, error.message),
                              fallback);
  outcome.error = std::move(error);
  return outcome;
}

CeremonyOutcome CeremonyRun::succeed(v1::Envelope document, std::string document_type,
                                     uint64_t version, std::string outcome_text,
                                     std::span<const v1::PlanCustodian* const> signers) {
  auto digest = verifier::sha256(as_bytes(document.payload()));
  if (!digest) return refuse(digest.error(), {});
  transcript_.ok("result", std::string(kCeremonyActor),
                 fmt::format("{}; payload SHA-256 {}", outcome_text, digest->hex()));
  const v1::CeremonyTranscript finished = transcript_.finish(digest->bytes());
  CeremonyOutcome outcome;
  outcome.ceremony = ceremony_;
  outcome.transcript = table_.close_transcript(
      finished, transcript_summary(finished, false, outcome_text), signers);
  outcome.document = std::move(document);
  outcome.document_type = std::move(document_type);
  outcome.version = version;
  return outcome;
}

Result<RootTable> root_table(CeremonyRun& run, const verifier::TrustedRoot& trusted,
                             const v1::CeremonyPlan& plan) {
  std::vector<std::string> known;
  for (const auto& name : counting_custodians(trusted)) {
    if (find_custodian(plan, name) != nullptr) known.push_back(name);
  }
  auto present = run.present(known);
  if (!present) return std::unexpected(present.error());
  RootTable table;
  for (const auto& name : *present) table.at_table.push_back(find_custodian(plan, name));
  table.present = std::move(*present);
  return table;
}

Result<void> check_root_quorum(CeremonyRun& run, const verifier::TrustedRoot& trusted,
                               const RootTable& table, std::string_view what) {
  const v1::TrustRoot& current = trusted.current();
  uint32_t threshold = 0;
  for (const auto& role : current.roles()) {
    if (role.role() == v1::ROOT) threshold = role.threshold();
  }
  if (table.present.size() < threshold) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("{} needs {} root custodians of trust root v{}; present: {}: bring "
                            "more custodians (no card was touched)",
                            what, threshold, current.version(), join_names(table.present)));
  }
  run.transcript().ok("quorum", std::string(kCeremonyActor),
                      fmt::format("{} present, root threshold {}", join_names(table.present),
                                  threshold));
  return {};
}

std::vector<SignerSeat> root_seats(const verifier::TrustedRoot& trusted, const RootTable& table) {
  std::vector<SignerSeat> seats;
  for (const v1::PlanCustodian* c : table.at_table) {
    SignerSeat seat{c, {}};
    for (const auto& id : custodian_key_ids(trusted.current(), c->name())) {
      if (!trusted.key_revoked(id)) seat.key_ids.insert(id);
    }
    seats.push_back(std::move(seat));
  }
  return seats;
}

std::variant<RootSigned, CeremonyOutcome> sign_by_root_quorum(
    CeremonyRun& run, const verifier::TrustedRoot& trusted, const v1::CeremonyPlan& plan,
    std::string_view document, std::string_view payload_type, const Bytes& payload,
    const std::string& summary) {
  auto table = root_table(run, trusted, plan);
  if (!table) return run.refuse(table.error(), {});
  run.ui().step("Quorum");
  if (auto ok = check_root_quorum(run, trusted, *table, fmt::format("a {}", document)); !ok) {
    return run.refuse(ok.error(), table->at_table);
  }
  run.ui().step(fmt::format("Sign the {}", document));
  auto envelope = run.table().sign(root_seats(trusted, *table), payload_type, payload, summary,
                                   fmt::format("sign the {}", document));
  if (!envelope) return run.refuse(envelope.error(), table->at_table);
  return RootSigned{std::move(*envelope), std::move(*table)};
}

}  // namespace hallmark::ceremony

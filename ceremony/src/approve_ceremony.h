// The approve ceremony: one custodian reviews a bundle and signs a PromotionStatement for
// it with their own card (docs/design.md flow 3; docs/release.md).
//
// run_approve() verifies the trust-root chain and revocations, reads the bundle (every
// image digest checked), refuses — before any card is touched — a custodian who is not in
// the plan, holds no unrevoked APPROVER key in the trust root, is revoked, or requested
// the bundle; then shows the custodian the bundle summary, the diff against --against (or
// against the last bundle promoted for the SKU in the promotion history --history, or that
// it would be the SKU's first promotion) and the statement with its payload SHA-256
// (CeremonyUi::show_signing) BEFORE their PIN is asked for; opens the card, checks its key
// is one of the custodian's approver keys, signs, and verifies the signature. The
// statement is valid from now for `valid_days`. Like every ceremony it records each step
// in a transcript and returns a CeremonyOutcome (document: the approval envelope) whose
// transcript the approving custodian signs — also when the approval is refused (except
// for usage errors); outputs.h writes it next to the approval ("<stem>.transcript.json").
// Holds key handles only. Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "ceremony/src/ceremony.h"
#include "ceremony/src/plan.h"
#include "hallmark/dsse.pb.h"
#include "verifier/core/error.h"

namespace hallmark::ceremony {

inline constexpr std::uint32_t kDefaultApprovalDays = 7;

struct ApproveInput {
  std::filesystem::path bundle;
  std::optional<std::filesystem::path> against;  // normally the last promoted bundle
  std::optional<std::filesystem::path> history;  // or: the last promoted in this history
  std::span<const v1::Envelope> chain;
  std::span<const v1::Envelope> revocations;
  const LoadedPlan* plan = nullptr;  // where the custodian's card is
  std::string custodian;
  std::string channel;
  std::string request_id;
  std::uint32_t valid_days = kDefaultApprovalDays;
};

CeremonyOutcome run_approve(const ApproveInput& input, CeremonyContext& context);

}  // namespace hallmark::ceremony

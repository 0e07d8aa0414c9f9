// CeremonyRun: what every ceremony shares — the fixed time, the transcript, the custodian
// table, who is present, and the two ways a ceremony ends (refused, or succeeded with a
// verified document), both of which close the transcript with the custodians' signatures.
// Internal to the ceremony library. Not thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ceremony/src/ceremony.h"
#include "ceremony/src/custodian_table.h"
#include "ceremony/src/plan.h"
#include "ceremony/src/transcript_recorder.h"
#include "hallmark/ceremony.pb.h"
#include "verifier/trust/trust.h"

namespace hallmark::ceremony {

class CeremonyRun {
 public:
  CeremonyRun(std::string ceremony, std::string plan_digest_hex, CeremonyContext& context);

  CeremonyUi& ui() noexcept { return *ui_; }
  TranscriptRecorder& transcript() noexcept { return transcript_; }
  CustodianTable& table() noexcept { return table_; }
  // The ceremony's time (document times), read once from the clock at the start.
  int64_t now() const noexcept { return now_; }

  // The custodians at the table among `known` (context.present, or all of `known` when
  // it is empty). A name given twice counts once (and is noted); an unknown name is a
  // usage error naming it.
  Result<std::vector<std::string>> present(const std::vector<std::string>& known);

  // Records `error`, closes the transcript (signed by the cards open, or else by the
  // custodians in `fallback`, unless `error` is a usage error) and returns the refused
  // outcome.
  CeremonyOutcome refuse(Error error, std::span<const v1::PlanCustodian* const> fallback);
  // Closes the transcript over `document` (result digest = SHA-256 of its payload), signed
  // by the cards open for signing, or else by `signers` (a ceremony that signed nothing
  // else: a restore).
  CeremonyOutcome succeed(v1::Envelope document, std::string document_type,
                          uint64_t version, std::string outcome,
                          std::span<const v1::PlanCustodian* const> signers = {});

 private:
  CeremonyUi* ui_;
  std::vector<std::string> requested_present_;
  int64_t now_;
  TranscriptRecorder transcript_;
  CustodianTable table_;
  std::string ceremony_;
};

// load_trust() of the signing host's chain v1..vN at `now` with `revocations` (its own
// anchor: AnchorPin::signing_host); records the outcome.
Result<verifier::Trust> verify_chain(std::span<const v1::Envelope> chain,
                                     std::span<const v1::Envelope> revocations, int64_t now,
                                     TranscriptRecorder& transcript);

// The first step of a ceremony run by a root quorum ("Trust root chain"): records the plan
// (its file and SHA-256), then verify_chain() at the run's time.
Result<verifier::Trust> open_root_trust(CeremonyRun& run, const LoadedPlan& plan,
                                        std::span<const v1::Envelope> chain,
                                        std::span<const v1::Envelope> revocations);

// The custodians of `root` who still count (not revoked, with an unrevoked key).
std::vector<std::string> counting_custodians(const verifier::TrustedRoot& root);

// The root custodians at the table: those of `plan` who still count under `trusted`, among
// the ones present (CeremonyRun::present), with their plan entries.
struct RootTable {
  std::vector<std::string> present;
  std::vector<const v1::PlanCustodian*> at_table;
};
Result<RootTable> root_table(CeremonyRun& run, const verifier::TrustedRoot& trusted,
                             const v1::CeremonyPlan& plan);

// kPolicyRefused "<what> needs N root custodians of trust root vK; present: …" when the
// table is below the ROOT threshold (checked before any card signs); else recorded.
Result<void> check_root_quorum(CeremonyRun& run, const verifier::TrustedRoot& trusted,
                               const RootTable& table, std::string_view what);

// The signing seats of the table: each custodian with their keys `trusted` does not revoke.
std::vector<SignerSeat> root_seats(const verifier::TrustedRoot& trusted, const RootTable& table);

// A document signed by a root quorum at the table: root_table, check_root_quorum ("a
// <document> needs ..."), then every card signs `payload` (payload type `payload_type`)
// after seeing `summary`. Either the envelope with the table, or the refused outcome.
struct RootSigned {
  v1::Envelope envelope;
  RootTable table;
};
std::variant<RootSigned, CeremonyOutcome> sign_by_root_quorum(
    CeremonyRun& run, const verifier::TrustedRoot& trusted, const v1::CeremonyPlan& plan,
    std::string_view document, std::string_view payload_type, const Bytes& payload,
    const std::string& summary);

// Quorum text: "alice, bob".
std::string join_names(const std::vector<std::string>& names);

}  // namespace hallmark::ceremony

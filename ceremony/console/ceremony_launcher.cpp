#include "ceremony/console/ceremony_launcher.h"

#include <fmt/format.h>

#include <filesystem>

#include "ceremony/src/enroll_station.h"
#include "ceremony/src/init_ceremony.h"
#include "ceremony/src/outputs.h"
#include "ceremony/src/plan.h"
#include "ceremony/src/rotate_ceremony.h"
#include "ceremony/src/trust_files.h"
#include "hallmark/trust.pb.h"

namespace hallmark::ceremony::console {
namespace {

namespace fs = std::filesystem;

Result<void> need(const std::string& value, std::string_view what) {
  if (value.empty()) return fail(ErrorCode::kUsage, fmt::format("choose {}", what));
  return {};
}

// The plan, and for every ceremony but init the chain and revocations: the same loading as
// the command line's (ceremony/src/trust_files.h).
Result<LoadedTrustFiles> load_common(const CeremonyRequest& r, bool with_chain) {
  if (auto ok = need(r.plan, "the ceremony plan"); !ok) return std::unexpected(ok.error());
  if (!with_chain) {
    auto plan = load_plan(r.plan);
    if (!plan) return std::unexpected(plan.error());
    return LoadedTrustFiles{std::move(*plan), {}, {}};
  }
  TrustFiles files{r.plan, {}};
  files.trust.chain.assign(r.trust_roots.begin(), r.trust_roots.end());
  files.trust.revocations.assign(r.revocations.begin(), r.revocations.end());
  return load_trust_files(files);
}

Result<LaunchResult> finish(CeremonyOutcome outcome, const fs::path& out) {
  LaunchResult result{std::move(outcome), std::nullopt, std::nullopt};
  auto written = write_outcome(result.outcome, out);
  if (written) {
    result.written = std::move(*written);
  } else {
    result.write_error = written.error();
  }
  return result;
}

Result<LaunchResult> run_init_request(const CeremonyRequest& r, CeremonyUi& ui,
                                      const Clock& clock) {
  auto loaded = load_common(r, false);
  if (!loaded) return std::unexpected(loaded.error());
  if (auto ok = need(r.out, "an output folder"); !ok) return std::unexpected(ok.error());
  const fs::path out = fs::path(r.out) / "trust-root-v1.json";
  if (auto ok = check_output_free(out); !ok) return std::unexpected(ok.error());
  CeremonyContext context{ui, clock, r.present};
  return finish(run_init(loaded->plan, context), out);
}

Result<LaunchResult> run_approve_request(const CeremonyRequest& r, CeremonyUi& ui,
                                         const Clock& clock) {
  auto loaded = load_common(r, true);
  if (!loaded) return std::unexpected(loaded.error());
  for (const auto& [value, what] : {std::pair{&r.bundle, "the bundle to approve"},
                                    std::pair{&r.custodian, "who approves"},
                                    std::pair{&r.channel, "the release channel"},
                                    std::pair{&r.request_id, "the change request id"}}) {
    if (auto ok = need(*value, what); !ok) return std::unexpected(ok.error());
  }
  if (!r.against.empty() && !r.history.empty()) {
    return fail(ErrorCode::kUsage,
                "give either the previous promoted bundle or the promotion history, not both");
  }
  if (auto ok = check_output_free(r.out); !ok) return std::unexpected(ok.error());
  ApproveInput input{r.bundle,       std::nullopt, std::nullopt, loaded->chain,
                     loaded->revocations, &loaded->plan, r.custodian, r.channel,
                     r.request_id,   r.valid_days};
  if (!r.against.empty()) input.against = r.against;
  if (!r.history.empty()) input.history = r.history;
  CeremonyContext context{ui, clock, {}};
  return finish(run_approve(input, context), r.out);
}

Result<LaunchResult> run_enroll_request(const CeremonyRequest& r, CeremonyUi& ui,
                                        const Clock& clock) {
  auto loaded = load_common(r, true);
  if (!loaded) return std::unexpected(loaded.error());
  if (auto ok = need(r.enrollment_request, "the station's enrollment request"); !ok) {
    return std::unexpected(ok.error());
  }
  auto request = read_envelope(r.enrollment_request);
  if (!request) return std::unexpected(request.error());
  if (auto ok = check_output_free(r.out); !ok) return std::unexpected(ok.error());
  CeremonyContext context{ui, clock, r.present};
  EnrollInput input{loaded->chain, loaded->revocations, &loaded->plan, &*request};
  return finish(run_enroll_station(input, context), r.out);
}

Result<LaunchResult> run_rotate_request(const CeremonyRequest& r, CeremonyUi& ui,
                                        const Clock& clock) {
  auto loaded = load_common(r, true);
  if (!loaded) return std::unexpected(loaded.error());
  std::optional<LoadedPlan> previous;
  if (!r.previous_plan.empty()) {
    auto plan = load_plan(r.previous_plan);
    if (!plan) return std::unexpected(plan.error());
    previous = std::move(*plan);
  }
  if (auto ok = need(r.out, "an output folder"); !ok) return std::unexpected(ok.error());
  // Named after the version that follows the last one given (for naming only: the
  // ceremony verifies the chain).
  uint64_t next = loaded->chain.size() + 1;
  if (v1::TrustRoot last; last.ParseFromString(loaded->chain.back().payload())) {
    next = last.version() + 1;
  }
  auto out_for = [&](uint64_t version) {
    return fs::path(r.out) / fmt::format("trust-root-v{}.json", version);
  };
  if (auto ok = check_output_free(out_for(next)); !ok) return std::unexpected(ok.error());
  CeremonyContext context{ui, clock, r.present};
  RotateInput input{loaded->chain, loaded->revocations, &loaded->plan,
                    previous ? &*previous : nullptr};
  CeremonyOutcome outcome = run_rotate(input, context);
  const fs::path out = out_for(outcome.ok() ? outcome.version : next);
  return finish(std::move(outcome), out);
}

Result<LaunchResult> run_revoke_request(const CeremonyRequest& r, CeremonyUi& ui,
                                        const Clock& clock) {
  auto loaded = load_common(r, true);
  if (!loaded) return std::unexpected(loaded.error());
  if (auto ok = need(r.revoke.reason, "the reason for the revocation"); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = check_output_free(r.out); !ok) return std::unexpected(ok.error());
  CeremonyContext context{ui, clock, r.present};
  RevokeInput input{loaded->chain, loaded->revocations, &loaded->plan, r.revoke};
  return finish(run_revoke(input, context), r.out);
}

}  // namespace

std::string_view kind_name(CeremonyKind kind) {
  switch (kind) {
    case CeremonyKind::kInit: return "init";
    case CeremonyKind::kApprove: return "approve";
    case CeremonyKind::kEnrollStation: return "enroll-station";
    case CeremonyKind::kRotate: return "rotate";
    case CeremonyKind::kRevoke: return "revoke";
  }
  return "?";
}

Result<LaunchResult> launch_ceremony(const CeremonyRequest& request, CeremonyUi& ui,
                                     const Clock& clock) {
  switch (request.kind) {
    case CeremonyKind::kInit: return run_init_request(request, ui, clock);
    case CeremonyKind::kApprove: return run_approve_request(request, ui, clock);
    case CeremonyKind::kEnrollStation: return run_enroll_request(request, ui, clock);
    case CeremonyKind::kRotate: return run_rotate_request(request, ui, clock);
    case CeremonyKind::kRevoke: return run_revoke_request(request, ui, clock);
  }
  return fail(ErrorCode::kInternal, "unknown ceremony kind");
}

}  // namespace hallmark::ceremony::console

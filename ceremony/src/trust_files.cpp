#include "ceremony/src/trust_files.h"

#include "ceremony/src/outputs.h"

namespace hallmark::ceremony {

Result<LoadedTrustFiles> load_trust_files(const TrustFiles& files) {
  auto plan = load_plan(files.plan);
  if (!plan) return std::unexpected(plan.error());
  if (files.trust.chain.empty()) {
    return fail(ErrorCode::kUsage, "choose the trust root chain (v1.json ... vN.json, in order)");
  }
  auto chain = read_envelopes(files.trust.chain);
  if (!chain) return std::unexpected(chain.error());
  auto revocations = read_envelopes(files.trust.revocations);
  if (!revocations) return std::unexpected(revocations.error());
  return LoadedTrustFiles{std::move(*plan), std::move(*chain), std::move(*revocations)};
}

}  // namespace hallmark::ceremony

// Test-only access to TrustedRoot's single steps (anchor, update, revocation), so the unit
// tests of each rule can drive one step at a time. Production code never includes this:
// it gets a TrustedRoot only from load_trust() (verifier/trust/trust.h).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "verifier/trust/trust.h"

namespace hallmark::verifier {

struct TrustedRootTestAccess {
  static Result<TrustedRoot> from_anchor(const v1::Envelope& anchor,
                                         const std::optional<Digest>& pin = {}) {
    return TrustedRoot::from_anchor(anchor, pin);
  }
  static Result<void> update(TrustedRoot& root, const v1::Envelope& next) {
    return root.update(next);
  }
  static Result<void> add_revocation(TrustedRoot& root, const v1::Envelope& revocation) {
    auto r = root.add_revocation(revocation);
    if (!r) return std::unexpected(std::move(r).error());
    return {};
  }
  // load_trust() of `chain` at `now_unix`, pinned by `pin` when given.
  static Result<TrustedRoot> chain(std::span<const v1::Envelope> chain, int64_t now_unix,
                                   const std::optional<Digest>& pin = {}) {
    TrustInputs inputs;
    for (std::size_t i = 0; i < chain.size(); ++i) {
      inputs.chain.push_back({"trust root #" + std::to_string(i + 1), chain[i]});
    }
    inputs.anchor = pin ? AnchorPin::digest(*pin) : AnchorPin::signing_host();
    inputs.now_unix = now_unix;
    auto trust = load_trust(std::move(inputs));
    if (!trust) return std::unexpected(std::move(trust).error());
    return trust->root();
  }
};

}  // namespace hallmark::verifier

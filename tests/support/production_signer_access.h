// ProductionSignerTestAccess::unchecked(): the one explicitly test-only way to a
// hsm::ProductionSigner (hsm-profiles/profile/production_signer.h) — a signer that signs
// through a test's function, with no provenance check, for tests that must shape signatures
// (count them, fail them, replay a reference run's). It exists only where this header is
// included; production code never includes tests/. Everything else goes through
// ProductionSigner::create() (production_signers.h).
#pragma once

#include <functional>
#include <utility>

#include "hsm-profiles/profile/production_signer.h"

namespace hallmark::hsm {

struct ProductionSignerTestAccess {
  static ProductionSigner unchecked(ProductionRole role, verifier::PublicKey public_key,
                                    std::function<Result<Bytes>(ByteView)> sign) {
    return ProductionSigner(role, std::move(public_key), {}, "pkcs11:object=test-only",
                            "test-only key", std::move(sign));
  }
};

}  // namespace hallmark::hsm

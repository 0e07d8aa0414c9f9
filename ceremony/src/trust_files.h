// TrustFiles: what every ceremony after init starts from — the plan (where the cards are),
// the trust-root chain and the revocations to honour — as the command line's flags
// (ceremony/cli/ceremony_options.h) or the custodian console's file fields name them, loaded
// in one place for both front ends. Reading only: no card is touched and nothing is
// verified here (each ceremony checks the chain under its own reference time).
// Thread-safe (no shared state).
#pragma once

#include <string>
#include <vector>

#include "ceremony/src/plan.h"
#include "hallmark/dsse.pb.h"
#include "verifier/core/error.h"
#include "verifier/tool/trust_root_flags.h"

namespace hallmark::ceremony {

struct TrustFiles {
  std::string plan;
  tool::TrustRootFlags trust;  // --trust-root (anchor first), --revocation
};

struct LoadedTrustFiles {
  LoadedPlan plan;
  std::vector<v1::Envelope> chain;
  std::vector<v1::Envelope> revocations;
};

// The plan, then every chain and revocation file, each error naming its file; kUsage when
// the chain is empty (a front end that does not require the flag still gets the refusal).
Result<LoadedTrustFiles> load_trust_files(const TrustFiles& files);

}  // namespace hallmark::ceremony

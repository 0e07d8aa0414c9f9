// TokenWatch: which tokens are present right now in the PKCS#11 modules a ceremony uses,
// with their PIN state, and whose card each one is according to the plan.
//
// list() asks every module for its slots with a token (C_GetSlotList(CK_TRUE)) and each
// token's info; slot ids are never kept between calls. Uninitialised tokens (SoftHSM's
// free slot, a blank card) are left out. Never opens a session, never logs in, never
// touches a PIN. Not thread-safe; the console calls it from its GUI thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ceremony/src/plan.h"
#include "hsm-profiles/src/module.h"
#include "hsm-profiles/src/session.h"
#include "hsm-profiles/src/uri.h"
#include "verifier/core/error.h"

namespace hallmark::ceremony::console {

struct PresentToken {
  std::string module_path;
  std::string label;
  std::string serial;
  std::string manufacturer;
  std::string model;
  hsm::PinState pin;
  std::string role;  // "card of alice", "signer HSM", or empty when the plan names it not
};

struct ExpectedToken {
  std::string role;
  hsm::TokenUri uri;
};

class TokenWatch {
 public:
  void add_module(std::shared_ptr<hsm::Module> module);
  void expect(ExpectedToken token) { expected_.push_back(std::move(token)); }
  bool empty() const noexcept { return modules_.empty(); }
  const std::vector<ExpectedToken>& expected() const noexcept { return expected_; }

  // The tokens present now, module by module; the first module error stops the listing.
  Result<std::vector<PresentToken>> list() const;

 private:
  std::vector<std::shared_ptr<hsm::Module>> modules_;
  std::vector<ExpectedToken> expected_;
};

// The modules of every custodian card and of the signer HSM in `plan`, and their roles.
Result<TokenWatch> token_watch_for_plan(const LoadedPlan& plan);

}  // namespace hallmark::ceremony::console

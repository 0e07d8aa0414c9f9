// CustodianCard: one custodian's card, open and logged in, with the custodian key found
// on it (or generated on it when the plan allows), its provenance checked.
//
// The key must be generated on the card and never extractable, or — only when the card's
// profile allows imported keys AND the plan says allow_imported_key for this custodian —
// imported but never extractable, which the transcript then records as an "imported-key"
// step (hsm::check_key_for_production); anything else stops the ceremony. Signing goes
// through hsm::TokenSigner; a CKA_ALWAYS_AUTHENTICATE key asks the UI for its PIN on every
// signature. Holds key handles only, never key material. Not movable once open (the
// signer keeps a reference to the session); owned through unique_ptr.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "ceremony/src/ceremony_ui.h"
#include "ceremony/src/token_login.h"
#include "ceremony/src/transcript_recorder.h"
#include "hallmark/ceremony.pb.h"
#include "hsm-profiles/src/token_key.h"

namespace hallmark::ceremony {

class CustodianCard {
 public:
  // Opens the card of `plan`, logs in (`purpose` tells the custodian why the PIN is
  // asked), finds the key labelled plan.key_label(), generates it when `may_generate`
  // and plan.generate_if_missing(), and checks its provenance. Records every step.
  // `check_token` runs once the token is identified, before any PIN is asked or key
  // touched (the table refuses a card already presented by someone else there).
  using TokenCheck = std::function<Result<void>(const v1::TokenInfo&)>;
  static Result<std::unique_ptr<CustodianCard>> open(const v1::PlanCustodian& plan,
                                                     bool may_generate,
                                                     const std::string& purpose,
                                                     CeremonyUi& ui,
                                                     TranscriptRecorder& transcript,
                                                     const TokenCheck& check_token = {});

  CustodianCard(const CustodianCard&) = delete;
  CustodianCard& operator=(const CustodianCard&) = delete;

  const std::string& custodian() const noexcept { return custodian_; }
  const v1::TokenInfo& token() const noexcept { return token_.info; }
  const hsm::TokenKey& key() const noexcept { return key_; }
  // serial and label: what identifies one physical card.
  std::string card_id() const;

  // Signs `message` (the DSSE PAE bytes) with the custodian key.
  Result<Bytes> sign(ByteView message, CeremonyUi& ui);

 private:
  CustodianCard(std::string custodian, PlannedToken token, hsm::TokenKey key);

  std::string custodian_;
  PlannedToken token_;
  hsm::TokenKey key_;
};

}  // namespace hallmark::ceremony

// CustodianTable: the custodians taking part in one ceremony and their cards.
//
// - enrol(): a card check that reads a custodian's key for a new trust root (init, and
//   custodians a rotation adds): login, key found or generated, provenance; the card is
//   then closed again, so the PIN that authorises a signature is always asked after the
//   custodian has seen what they sign.
// - sign(): shows every signer the human summary, the payload's SHA-256 and the digest to
//   read aloud (the payload's SHA-256 unless the caller names another, ceremony_ui.h), then
//   opens
//   and checks their card (PIN after the summary), checks the key is one the custodian
//   holds in the trust root, refuses one card or key presented for two custodians — all
//   before anything is signed — then collects one DSSE signature per card.
// - close_transcript(): the participating custodians sign the transcript (each sees its
//   summary and digest first); the envelope is checked with verify_transcript.
// Not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "ceremony/src/ceremony_ui.h"
#include "ceremony/src/custodian_card.h"
#include "ceremony/src/transcript_recorder.h"
#include "hallmark/dsse.pb.h"

namespace hallmark::ceremony {

struct EnrolledKey {
  std::string custodian;
  v1::TokenKey key;  // public key, provenance, card
};

struct SignerSeat {
  const v1::PlanCustodian* card = nullptr;  // where the custodian's card is
  std::set<std::string> key_ids;            // keys that may sign for them; empty: any
};

class CustodianTable {
 public:
  CustodianTable(CeremonyUi& ui, TranscriptRecorder& transcript);

  Result<EnrolledKey> enrol(const v1::PlanCustodian& custodian);

  // Marks the signer HSM's token as taken: a custodian card that is the HSM (or an HSM
  // that is a custodian's card) is refused — login state is per token and per process.
  Result<void> reserve_signer_hsm(const v1::TokenInfo& token);

  // DSSE envelope of `payload` (payload type payload_type_of(type_name)) signed by every
  // seat. `what` names the document in PIN prompts ("sign trust root v2"). `read_aloud`:
  // what the custodians compare aloud when it is not the payload's SHA-256 (an approval).
  Result<v1::Envelope> sign(std::span<const SignerSeat> seats, std::string_view type_name,
                            const Bytes& payload, std::string_view summary,
                            std::string_view what,
                            std::optional<ReadAloud> read_aloud = std::nullopt);

  // Signs `transcript` with every card open for signing; when none is, with the cards of
  // `fallback` custodians that did not fail in this ceremony (opened after they saw the
  // transcript's summary). Problems here are only shown: the transcript is closed.
  v1::Envelope close_transcript(const v1::CeremonyTranscript& transcript,
                                std::string_view summary,
                                std::span<const v1::PlanCustodian* const> fallback);

 private:
  Result<void> claim(const std::string& custodian, const v1::TokenInfo& token,
                     const std::string& key_id);
  static std::string owner_text(const std::string& owner);
  CustodianCard::TokenCheck card_check(const std::string& custodian);
  CustodianCard* open_card(const std::string& custodian);

  CeremonyUi* ui_;
  TranscriptRecorder* transcript_;
  std::map<std::string, std::string> card_owner_;  // serial/label → custodian
  std::map<std::string, std::string> key_owner_;   // key id → custodian
  std::set<std::string> failed_;                   // custodians whose card failed
  std::vector<std::unique_ptr<CustodianCard>> open_;
};

}  // namespace hallmark::ceremony

// A person's smart card at the station: open it, log in, find the person's key, check that
// the key was made on the card and can never leave it, and sign statements with it
// (person_statements.h); and `card init`, which makes that key on a new card.
//
// The key is the one named by the card URI's object=/id= attributes, or else the one
// private key labelled "hallmark-person". A key that was imported, or is or ever was
// extractable, is refused (verifier::check_production_use; the card profile's
// allow_imported_keys can allow an imported, never-extractable key). A key that asks for
// its PIN on every signature (CKA_ALWAYS_AUTHENTICATE, PIV-like cards) reads the PIN again
// from the card options' PIN source each time. Holds key handles only, never key material;
// PINs are never kept. Not thread-safe: one thread uses a card at a time.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>

#include "hallmark/keys.pb.h"
#include "hsm-profiles/cli/token_options.h"
#include "hsm-profiles/src/token_key.h"
#include "verifier/people/person_statements.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"

namespace hallmark::station {

using people::CardSigner;

// The label `card init` gives a person's key, and the key looked for when the card URI
// names none.
inline constexpr const char* kPersonKeyLabel = "hallmark-person";

// An open, logged-in card with its checked key. Move-only; moving it keeps every
// CardSigner made by signer() valid (the session and signer live on the heap). Logs out
// and closes the session when destroyed.
class OpenedCard {
 public:
  ~OpenedCard();
  OpenedCard(OpenedCard&&) noexcept;
  OpenedCard& operator=(OpenedCard&&) noexcept;
  OpenedCard(const OpenedCard&) = delete;
  OpenedCard& operator=(const OpenedCard&) = delete;

  // Signs with this card's key; valid while this OpenedCard (or what it was moved to)
  // lives.
  [[nodiscard]] CardSigner signer();

  [[nodiscard]] const hsm::TokenKey& key() const noexcept;
  [[nodiscard]] const verifier::PublicKey& public_key() const noexcept;
  [[nodiscard]] const std::string& key_id() const noexcept;
  // "key 'hallmark-person' on token 'alice'", for messages.
  [[nodiscard]] std::string name() const;

 private:
  struct State;
  friend Result<OpenedCard> open_card(const hsm::TokenOptions& card, std::ostream& status);
  explicit OpenedCard(std::unique_ptr<State> state) noexcept;
  std::unique_ptr<State> state_;
};

// The public key of the person key on the card named by card.uri, read without a PIN (the
// key's public object): who the card belongs to can be shown before its PIN is asked.
// Display only; the signature made after the PIN is what proves the card.
[[nodiscard]] Result<verifier::PublicKey> read_card_public_key(const hsm::TokenOptions& card);

// Opens the card named by card.uri, shows its PIN state on `status`, reads the PIN from
// card.pin and logs in, finds the person's key and checks its provenance. kToken when the
// card, the login or the key fails; kPolicyRefused for a key that may exist off the card.
[[nodiscard]] Result<OpenedCard> open_card(const hsm::TokenOptions& card, std::ostream& status);

struct InitialisedCard {
  verifier::PublicKey public_key;
  v1::TokenKey key;  // URI, label, CKA_ID, provenance and token of the new key
};

// `hallmark-station card init`: logs into the card and generates a sign-only, sensitive,
// never-extractable P-256 key on it, labelled as the URI's object= says or else
// "hallmark-person". Refuses (kPolicyRefused) a card that already holds a private key with
// that label: a person keeps their key, and replacing it is an enrolment matter. Reports
// progress on `status`.
[[nodiscard]] Result<InitialisedCard> init_card(const hsm::TokenOptions& card,
                                                std::ostream& status,
                                                bool always_authenticate = false);

}  // namespace hallmark::station

#include "station-agent/station/card_signer.h"

#include <optional>
#include <ostream>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/token_key.h"
#include "hsm-profiles/src/token_signer.h"

namespace hallmark::station {
namespace {

// The key's label: the URI's object= when it names one, else the person key label.
std::string person_key_label(const hsm::TokenUri& uri) {
  return uri.object_label ? *uri.object_label : std::string(kPersonKeyLabel);
}

std::string provenance_text(const v1::KeyProvenance& p) {
  return fmt::format("{}, {}{}", p.local() ? "generated on the card" : "imported",
                     p.never_extractable() ? "never extractable" : "was extractable",
                     p.always_authenticate() ? ", PIN for every signature" : "");
}

Result<void> check_card_key(const hsm::OpenedToken& token, const hsm::TokenKey& key) {
  auto verdict =
      hsm::check_production_use(key.provenance(), token.profile.allow_imported_keys(), key.name());
  if (!verdict) {
    return std::unexpected(std::move(verdict).error().context(fmt::format(
        "card '{}': a person's key must be generated on their card and never leave it; "
        "initialise a new card (hallmark-station card init) and enrol it again",
        token.session.token_label())));
  }
  return {};
}

}  // namespace

struct OpenedCard::State {
  hsm::OpenedToken token;
  // Set once `token` is at its final address: the signer keeps a pointer to its session.
  std::optional<hsm::TokenSigner> signer;
};

OpenedCard::OpenedCard(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
OpenedCard::~OpenedCard() = default;
OpenedCard::OpenedCard(OpenedCard&&) noexcept = default;
OpenedCard& OpenedCard::operator=(OpenedCard&&) noexcept = default;

CardSigner OpenedCard::signer() {
  State* state = state_.get();
  return CardSigner{public_key(), key_id(),
                    [state](ByteView pae) -> Result<Bytes> { return state->signer->sign(pae); }};
}

const hsm::TokenKey& OpenedCard::key() const noexcept { return state_->signer->key(); }
const verifier::PublicKey& OpenedCard::public_key() const noexcept {
  return state_->signer->public_key();
}
const std::string& OpenedCard::key_id() const noexcept { return state_->signer->key_id(); }
std::string OpenedCard::name() const { return key().name(); }

Result<verifier::PublicKey> read_card_public_key(const hsm::TokenOptions& card) {
  std::ostringstream status;
  auto token = hsm::open_token(card, false, status);
  if (!token) return std::unexpected(std::move(token).error().context("opening card " + card.uri));
  return hsm::read_public_key_object(token->session, person_key_label(token->uri));
}

Result<OpenedCard> open_card(const hsm::TokenOptions& card, std::ostream& status) {
  auto token = hsm::open_token(card, true, status);
  if (!token) return std::unexpected(std::move(token).error().context("opening card " + card.uri));
  auto state = std::make_unique<OpenedCard::State>(OpenedCard::State{std::move(*token), {}});
  hsm::Session& session = state->token.session;

  hsm::TokenUri key_uri = state->token.uri;
  const bool named = key_uri.object_label || key_uri.object_id;
  if (!named) key_uri.object_label = kPersonKeyLabel;
  auto key = hsm::TokenKey::find(session, key_uri);
  if (!key) {
    auto error = std::move(key).error();
    if (!named && error.code == ErrorCode::kToken) {
      error.message += fmt::format(
          ": a person's card holds one key labelled '{}'; make it with hallmark-station card "
          "init, or name the key with object= in the card URI",
          kPersonKeyLabel);
    }
    return std::unexpected(std::move(error));
  }
  if (auto ok = check_card_key(state->token, *key); !ok) return std::unexpected(ok.error());

  const std::string prompt = "PIN for this signature on card '" + session.token_label() + "': ";
  auto signer = hsm::TokenSigner::create(session, std::move(*key), hsm::pin_callback(card, prompt));
  if (!signer) {
    return std::unexpected(std::move(signer).error().context("card " + session.token_label()));
  }
  state->signer.emplace(std::move(*signer));
  status << fmt::format("Card key {} ({}): {}\n", state->signer->key_id(),
                        state->signer->key().name(),
                        provenance_text(state->signer->key().provenance()));
  return OpenedCard(std::move(state));
}

Result<InitialisedCard> init_card(const hsm::TokenOptions& card, std::ostream& status,
                                  bool always_authenticate) {
  auto token = hsm::open_token(card, true, status);
  if (!token) return std::unexpected(std::move(token).error().context("opening card " + card.uri));
  hsm::Session& session = token->session;
  const std::string label = person_key_label(token->uri);

  hsm::AttributeTemplate match;
  match.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_text(CKA_LABEL, label);
  auto existing = hsm::find_objects(session, match, 1);
  if (!existing) return std::unexpected(std::move(existing).error());
  if (!existing->empty()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("card '{}' already holds a key labelled '{}': a card is initialised "
                            "once; keep using that key, or have the card reset by its issuer "
                            "and enrol the person again",
                            session.token_label(), label));
  }

  hsm::KeySpec spec;
  spec.algorithm = v1::ECDSA_P256_SHA256;
  spec.label = label;
  if (token->uri.object_id) spec.id = *token->uri.object_id;
  spec.always_authenticate = always_authenticate;
  auto key = hsm::generate_key(session, spec);
  if (!key) {
    return std::unexpected(std::move(key).error().context(
        fmt::format("card '{}': making the person key", session.token_label())));
  }
  // A token that ignored the template must not hand out a key it could export.
  if (auto ok = check_card_key(*token, *key); !ok) return std::unexpected(ok.error());
  status << fmt::format("Card key {} ({}): {}\n", key->key_id(), key->name(),
                        provenance_text(key->provenance()));
  return InitialisedCard{key->public_key(), key->to_proto()};
}

}  // namespace hallmark::station

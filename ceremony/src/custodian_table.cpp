#include "ceremony/src/custodian_table.h"

#include <fmt/format.h>

#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/sha256.h"
#include "verifier/trust/transcript.h"

namespace hallmark::ceremony {

namespace {
// Owner of the signer HSM's token in the table; plans refuse control characters in names.
const std::string kHsmOwner = "\x01signer-hsm";

// Each open card signs the transcript's PAE `message` into `envelope` once per key (a card
// that cannot is skipped with a warning); the keys that signed.
std::vector<verifier::PublicKey> sign_by_open_cards(
    v1::Envelope& envelope, ByteView message,
    const std::vector<std::unique_ptr<CustodianCard>>& cards, CeremonyUi& ui) {
  SignatureProgress progress{"sign the ceremony transcript", {}, {}};
  {
    std::set<std::string> asked;
    for (const auto& card : cards) {
      if (asked.insert(card->key().key_id()).second) progress.signers.push_back(card->custodian());
    }
  }
  ui.signatures(progress);
  std::vector<verifier::PublicKey> keys;
  std::set<std::string> signed_by;
  for (const auto& card : cards) {
    if (!signed_by.insert(card->key().key_id()).second) continue;
    auto signature = card->sign(message, ui);
    if (!signature) {
      ui.warning(fmt::format("custodian {} could not sign the transcript: {}",
                             card->custodian(), signature.error().message));
      continue;
    }
    auto* added = envelope.add_signatures();
    added->set_keyid(card->key().key_id());
    added->set_sig(std::string(as_chars(*signature)));
    keys.push_back(card->key().public_key());
    progress.signed_by.push_back(card->custodian());
    ui.signatures(progress);
  }
  return keys;
}

}  // namespace

CustodianTable::CustodianTable(CeremonyUi& ui, TranscriptRecorder& transcript)
    : ui_(&ui), transcript_(&transcript) {}

std::string CustodianTable::owner_text(const std::string& owner) {
  return owner == kHsmOwner ? std::string("the signer HSM") : "custodian " + owner;
}

Result<void> CustodianTable::claim(const std::string& custodian, const v1::TokenInfo& token,
                                   const std::string& key_id) {
  const std::string card = fmt::format("{}/{}", token.serial(), token.label());
  auto refuse = [&](const std::string& owner, const std::string& what) -> Result<void> {
    const std::string detail = fmt::format(
        "{} was already presented by {}: one card counts once; {}", what, owner_text(owner),
        custodian == kHsmOwner ? std::string("the signer HSM must be a token of its own")
                               : "custodian " + custodian + " must bring their own card");
    transcript_->failed("card-twice", custodian == kHsmOwner ? "signer HSM" : custodian, detail,
                        &token);
    failed_.insert(custodian);
    return fail(ErrorCode::kPolicyRefused, detail + " (nothing was signed)");
  };
  if (auto it = card_owner_.find(card); it != card_owner_.end() && it->second != custodian) {
    return refuse(it->second, describe_token(token));
  }
  if (!key_id.empty()) {
    if (auto it = key_owner_.find(key_id); it != key_owner_.end() && it->second != custodian) {
      return refuse(it->second, "key " + key_id);
    }
    key_owner_[key_id] = custodian;
  }
  card_owner_[card] = custodian;
  return {};
}

CustodianCard::TokenCheck CustodianTable::card_check(const std::string& custodian) {
  return [this, custodian](const v1::TokenInfo& token) { return claim(custodian, token, {}); };
}

Result<void> CustodianTable::reserve_signer_hsm(const v1::TokenInfo& token) {
  return claim(kHsmOwner, token, {});
}

CustodianCard* CustodianTable::open_card(const std::string& custodian) {
  for (auto& card : open_) {
    if (card->custodian() == custodian) return card.get();
  }
  return nullptr;
}

Result<EnrolledKey> CustodianTable::enrol(const v1::PlanCustodian& custodian) {
  ui_->progress(fmt::format("{}: insert your card to check it and read your key",
                            custodian.name()));
  auto card = CustodianCard::open(custodian, true, "check your card and read your key", *ui_,
                                  *transcript_, card_check(custodian.name()));
  if (!card) {
    failed_.insert(custodian.name());
    return std::unexpected(card.error());
  }
  if (auto ok = claim(custodian.name(), (*card)->token(), (*card)->key().key_id()); !ok) {
    return std::unexpected(ok.error());
  }
  return EnrolledKey{custodian.name(), (*card)->key().to_proto()};
  // The card closes here (logout): signing asks for the PIN again, after the summary.
}

Result<v1::Envelope> CustodianTable::sign(std::span<const SignerSeat> seats,
                                          std::string_view type_name, const Bytes& payload,
                                          std::string_view summary, std::string_view what,
                                          std::optional<ReadAloud> read_aloud) {
  auto digest = verifier::sha256(payload);
  if (!digest) return std::unexpected(digest.error());
  if (!read_aloud) read_aloud = ReadAloud{"payload SHA-256", digest->hex()};
  SignatureProgress progress{std::string(what), {}, {}};
  for (const auto& seat : seats) progress.signers.push_back(seat.card->name());
  ui_->signatures(progress);
  std::vector<CustodianCard*> cards;
  for (const auto& seat : seats) {
    const std::string& name = seat.card->name();
    ui_->show_signing({name, std::string(summary), digest->hex(), read_aloud});
    CustodianCard* card = open_card(name);
    if (card == nullptr) {
      auto opened = CustodianCard::open(*seat.card, false, std::string(what), *ui_,
                                        *transcript_, card_check(name));
      if (!opened) {
        failed_.insert(name);
        return std::unexpected(opened.error());
      }
      card = opened->get();
      open_.push_back(std::move(*opened));
    }
    const std::string& key_id = card->key().key_id();
    if (!seat.key_ids.empty() && !seat.key_ids.contains(key_id)) {
      const std::string detail = fmt::format(
          "the card of custodian {} ({}) holds key {}, which is not a key of {} in the trust "
          "root: bring the card registered for {}",
          name, describe_token(card->token()), key_id, name, name);
      transcript_->failed("key", name, detail, &card->token(), {card->key().to_proto()});
      failed_.insert(name);
      std::erase_if(open_, [card](const auto& c) { return c.get() == card; });
      return fail(ErrorCode::kPolicyRefused, detail);
    }
    if (auto ok = claim(name, card->token(), key_id); !ok) {
      std::erase_if(open_, [card](const auto& c) { return c.get() == card; });
      return std::unexpected(ok.error());
    }
    cards.push_back(card);
  }

  v1::Envelope envelope;
  envelope.set_payload_type(verifier::payload_type_of(type_name));
  envelope.set_payload(std::string(as_chars(payload)));
  const Bytes message = verifier::pae(envelope.payload_type(), payload);
  for (CustodianCard* card : cards) {
    auto signature = card->sign(message, *ui_);
    if (!signature) {
      transcript_->failed("sign", card->custodian(), signature.error().message, &card->token(),
                          {card->key().to_proto()});
      failed_.insert(card->custodian());
      return std::unexpected(signature.error());
    }
    auto* added = envelope.add_signatures();
    added->set_keyid(card->key().key_id());
    added->set_sig(std::string(as_chars(*signature)));
    transcript_->ok("sign", card->custodian(),
                    fmt::format("signed {} (payload SHA-256 {}) with key {}", type_name,
                                digest->hex(), card->key().key_id()),
                    &card->token(), {card->key().to_proto()});
    ui_->progress(fmt::format("{} signed with key {}", card->custodian(), card->key().key_id()));
    progress.signed_by.push_back(card->custodian());
    ui_->signatures(progress);
  }
  return envelope;
}

v1::Envelope CustodianTable::close_transcript(
    const v1::CeremonyTranscript& transcript, std::string_view summary,
    std::span<const v1::PlanCustodian* const> fallback) {
  v1::Envelope envelope;
  envelope.set_payload_type(verifier::payload_type_of(verifier::kTranscriptType));
  const Bytes payload = verifier::deterministic_bytes(transcript);
  envelope.set_payload(std::string(as_chars(payload)));
  auto digest = verifier::sha256(payload);
  if (!digest) {
    ui_->warning("cannot hash the transcript: it is written unsigned");
    return envelope;
  }
  ui_->step("Sign the ceremony transcript");
  // Custodians who sign the transcript together compare its digest; one alone has nobody to
  // compare with (an approval's transcript is that custodian's own).
  const auto view = [&](const std::string& custodian, std::size_t signers) {
    SigningView v{custodian, std::string(summary), digest->hex(), std::nullopt};
    if (signers > 1) v.read_aloud = ReadAloud{"payload SHA-256", digest->hex()};
    return v;
  };
  if (open_.empty()) {
    // Nobody's card is open (the ceremony stopped early): the custodians at the table who
    // did not fail sign what happened, each after seeing it.
    TranscriptRecorder scratch(transcript.ceremony(), transcript.plan_digest(),
                               [] { return int64_t{0}; });
    std::size_t signers = 0;
    for (const v1::PlanCustodian* custodian : fallback) {
      if (!failed_.contains(custodian->name())) ++signers;
    }
    for (const v1::PlanCustodian* custodian : fallback) {
      if (failed_.contains(custodian->name())) continue;
      ui_->show_signing(view(custodian->name(), signers));
      auto card = CustodianCard::open(*custodian, false, "sign the ceremony transcript", *ui_,
                                      scratch);
      if (!card) {
        ui_->warning(fmt::format("custodian {} cannot sign the transcript: {}",
                                 custodian->name(), card.error().message));
        continue;
      }
      open_.push_back(std::move(*card));
    }
  } else {
    for (const auto& card : open_) ui_->show_signing(view(card->custodian(), open_.size()));
  }

  const Bytes message = verifier::pae(envelope.payload_type(), payload);
  const std::vector<verifier::PublicKey> keys =
      sign_by_open_cards(envelope, message, open_, *ui_);
  if (keys.empty()) {
    ui_->warning("no custodian card could sign the transcript: it is written unsigned and "
                 "proves nothing by itself");
    return envelope;
  }
  auto verified =
      verifier::verify_transcript(envelope, keys, static_cast<uint32_t>(keys.size()));
  if (!verified) {
    ui_->warning("the signed transcript does not verify: " + verified.error().message);
  }
  return envelope;
}

}  // namespace hallmark::ceremony

#include "verifier/people/person_statements.h"

#include <array>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <openssl/rand.h>

#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/json_rules.h"
#include "verifier/core/sha256.h"

namespace hallmark::people {
namespace {

// Strict UTF-8 decoding by the one UTF-8 rule (verifier::utf8_sequence_length: no
// overlongs, no surrogates, nothing above U+10FFFF): protobuf refuses to parse a string
// field that is not UTF-8, so a statement signed with one could never be verified again.
std::optional<std::vector<char32_t>> decode_utf8(std::string_view text) {
  constexpr std::array<unsigned char, 5> kLeadBits{0, 0x7F, 0x1F, 0x0F, 0x07};
  std::vector<char32_t> out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = p + text.size();
  while (p < end) {
    const std::size_t length = *p < 0x80U ? 1 : verifier::utf8_sequence_length(p, end);
    if (length == 0) return std::nullopt;
    auto cp = static_cast<char32_t>(*p & kLeadBits[length]);
    for (std::size_t k = 1; k < length; ++k) cp = (cp << 6U) | (p[k] & 0x3FU);
    out.push_back(cp);
    p += length;
  }
  return out;
}

// C0, DEL, C1, line/paragraph separators, and the invisible direction marks and overrides
// that make a text read differently from what it holds (a reason an auditor reads later).
bool is_control(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

bool is_blank(char32_t cp) {
  return cp == 0x20 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// `text` for an error message: control characters escaped (so a name cannot rewrite the
// operator's terminal), undecodable bytes as \xNN, cut after 120 characters.
std::string display(std::string_view text) {
  constexpr std::size_t kShown = 120;
  std::string out;
  auto decoded = decode_utf8(text);
  if (!decoded) {
    for (const char c : text.substr(0, kShown)) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20U || byte >= 0x7FU) {
        out += fmt::format("\\x{:02x}", byte);
      } else {
        out += c;
      }
    }
    return text.size() > kShown ? out + "..." : out;
  }
  std::size_t shown = 0;
  std::size_t offset = 0;
  for (const char32_t cp : *decoded) {
    const std::size_t width = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (shown++ == kShown) return out + "...";
    if (is_control(cp)) {
      out += fmt::format("\\u{{{:04X}}}", static_cast<std::uint32_t>(cp));
    } else {
      out += text.substr(offset, width);
    }
    offset += width;
  }
  return out;
}

// Shared text rules; `what` is "operator name 'x'" or "break-glass reason".
Result<std::vector<char32_t>> check_text(std::string_view text, std::string_view what,
                                         std::size_t max_chars) {
  if (text.empty()) {
    return fail(ErrorCode::kUsage, fmt::format("{} is empty", what));
  }
  auto decoded = decode_utf8(text);
  if (!decoded) {
    return fail(ErrorCode::kUsage, fmt::format("{} is not valid UTF-8: retype it", what));
  }
  if (decoded->size() > max_chars) {
    return fail(ErrorCode::kUsage, fmt::format("{} has {} characters, at most {} are allowed",
                                               what, decoded->size(), max_chars));
  }
  for (const char32_t cp : *decoded) {
    if (is_control(cp)) {
      return fail(ErrorCode::kUsage,
                  fmt::format("{} contains a control character (U+{:04X}): use printable "
                              "text on one line",
                              what, static_cast<std::uint32_t>(cp)));
    }
  }
  return std::move(*decoded);
}

std::string key_id_of(const CardSigner& card) { return card.public_key.key_id(); }

Result<void> check_card(const CardSigner& card, std::string_view what) {
  if (!card.sign) {
    return fail(ErrorCode::kUsage, fmt::format("{}: no card to sign with", what));
  }
  if (card.key_id != key_id_of(card)) {
    return fail(ErrorCode::kInternal,
                fmt::format("{}: card signer claims key id {} but its public key is {}", what,
                            card.key_id, key_id_of(card)));
  }
  return {};
}

Result<void> check_station_id(std::string_view station_id, std::string_view what) {
  if (station_id.empty()) {
    return fail(ErrorCode::kUsage, fmt::format("{}: no station id given", what));
  }
  return {};
}

Result<Bytes> random_nonce() {
  Bytes nonce(kNonceBytes);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()),
                 static_cast<int>(nonce.size())) != 1) {
    return fail(ErrorCode::kInternal,
                "OpenSSL could not produce a random nonce (RAND_bytes failed)");
  }
  return nonce;
}

// Signs `message` as payload type `name` with the card; the result is not yet verified.
Result<v1::Envelope> sign_statement(const CardSigner& card,
                                    const google::protobuf::MessageLite& message,
                                    std::string_view name, std::string_view what) {
  auto envelope = verifier::sign_envelope(verifier::payload_type_of(name),
                                          verifier::deterministic_bytes(message), card.key_id,
                                          card.sign);
  if (!envelope) {
    return std::unexpected(std::move(envelope).error().context(
        fmt::format("signing the {} with card key {}", what, card.key_id)));
  }
  return envelope;
}

// Signature by `key` over a statement of payload type `name`, then the verified bytes
// parsed as Msg.
template <class Msg>
Result<Msg> verified_statement(const v1::Envelope& envelope, const verifier::PublicKey& key,
                               std::string_view name, std::string_view what) {
  const std::array trusted{key};
  auto verified =
      verifier::verify_envelope(envelope, trusted, 1, verifier::payload_type_of(name));
  if (!verified) {
    auto error = std::move(verified).error();
    if (error.code == ErrorCode::kUsage) error.code = ErrorCode::kVerificationFailed;
    return std::unexpected(std::move(error).context(
        fmt::format("{} is not signed by card key {}", what, key.key_id())));
  }
  auto parsed = verifier::parse_verified<Msg>(*verified);
  if (!parsed) return std::unexpected(std::move(parsed).error().context(std::string(what)));
  return parsed;
}

Result<void> check_station(std::string_view signed_station, std::string_view station_id,
                           std::string_view what, std::string_view remedy) {
  if (signed_station != station_id) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("{} was signed for station '{}', not this station '{}': {}", what,
                            signed_station, station_id, remedy));
  }
  return {};
}

Result<void> check_key_id(std::string_view claimed, const verifier::PublicKey& key,
                          std::string_view what) {
  if (claimed != key.key_id()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("{} names key id '{}' but was signed by card key {}: the statement "
                            "does not describe the card that signed it; refuse it",
                            what, claimed, key.key_id()));
  }
  return {};
}

Result<void> check_nonce(const std::string& nonce, std::string_view what) {
  if (nonce.size() != kNonceBytes) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("{} has a {}-byte nonce, expected {}", what, nonce.size(),
                            kNonceBytes));
  }
  return {};
}

}  // namespace

Result<void> check_person_name(std::string_view name) {
  const std::string what = fmt::format("person name '{}'", display(name));
  auto decoded = check_text(name, what, kMaxPersonNameChars);
  if (!decoded) return std::unexpected(std::move(decoded).error());
  if (is_blank(decoded->front()) || is_blank(decoded->back())) {
    return fail(ErrorCode::kUsage,
                fmt::format("{} begins or ends with a blank: remove it", what));
  }
  return {};
}

Result<void> check_reason(std::string_view reason) {
  auto decoded = check_text(reason, "break-glass reason", kMaxReasonChars);
  if (!decoded) return std::unexpected(std::move(decoded).error());
  for (const char32_t cp : *decoded) {
    if (!is_blank(cp)) return {};
  }
  return fail(ErrorCode::kUsage,
              "break-glass reason is only blanks: say why the line may run again");
}

Result<v1::Envelope> sign_session(const CardSigner& card, std::string_view station_id,
                                  std::string_view operator_name, std::int64_t now_unix) {
  const std::string what = fmt::format("operator session of '{}'", display(operator_name));
  if (auto ok = check_card(card, what); !ok) return std::unexpected(ok.error());
  if (auto ok = check_station_id(station_id, what); !ok) return std::unexpected(ok.error());
  if (auto ok = check_person_name(operator_name); !ok) return std::unexpected(ok.error());
  auto nonce = random_nonce();
  if (!nonce) return std::unexpected(std::move(nonce).error());

  v1::OperatorSession session;
  session.set_station_id(std::string(station_id));
  session.set_operator_name(std::string(operator_name));
  session.set_operator_key_id(card.key_id);
  session.set_started_unix(now_unix);
  session.set_nonce(std::string(as_chars(*nonce)));
  auto envelope = sign_statement(card, session, kOperatorSessionType, what);
  if (!envelope) return envelope;
  if (auto ok = verify_session(*envelope, card.public_key, station_id); !ok) {
    return std::unexpected(std::move(ok).error().context("the session just signed"));
  }
  return envelope;
}

Result<v1::Envelope> sign_break_glass(const CardSigner& supervisor, std::string_view station_id,
                                      std::string_view supervisor_name,
                                      std::uint64_t line_stop_sequence, std::string_view reason,
                                      std::int64_t now_unix) {
  const std::string what = fmt::format("break-glass by '{}' for line stop {}",
                                       display(supervisor_name), line_stop_sequence);
  if (auto ok = check_card(supervisor, what); !ok) return std::unexpected(ok.error());
  if (auto ok = check_station_id(station_id, what); !ok) return std::unexpected(ok.error());
  if (auto ok = check_person_name(supervisor_name); !ok) return std::unexpected(ok.error());
  if (auto ok = check_reason(reason); !ok) return std::unexpected(ok.error());
  auto nonce = random_nonce();
  if (!nonce) return std::unexpected(std::move(nonce).error());

  v1::BreakGlass glass;
  glass.set_station_id(std::string(station_id));
  glass.set_supervisor_name(std::string(supervisor_name));
  glass.set_supervisor_key_id(supervisor.key_id);
  glass.set_line_stop_sequence(line_stop_sequence);
  glass.set_reason(std::string(reason));
  glass.set_time_unix(now_unix);
  glass.set_nonce(std::string(as_chars(*nonce)));
  auto envelope = sign_statement(supervisor, glass, kBreakGlassType, what);
  if (!envelope) return envelope;
  if (auto ok = verify_break_glass(*envelope, supervisor.public_key, station_id); !ok) {
    return std::unexpected(std::move(ok).error().context("the break-glass just signed"));
  }
  return envelope;
}

Result<v1::OperatorSession> verify_session(const v1::Envelope& session,
                                           const verifier::PublicKey& card_key,
                                           std::string_view station_id) {
  if (auto ok = check_station_id(station_id, "verifying an operator session"); !ok) {
    return std::unexpected(ok.error());
  }
  auto parsed = verified_statement<v1::OperatorSession>(session, card_key, kOperatorSessionType,
                                                        "operator session");
  if (!parsed) return parsed;
  const std::string what =
      fmt::format("operator session of '{}'", display(parsed->operator_name()));
  if (auto ok = check_station(parsed->station_id(), station_id, what,
                              "the operator must start a new session at this station");
      !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = check_key_id(parsed->operator_key_id(), card_key, what); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = check_nonce(parsed->nonce(), what); !ok) return std::unexpected(ok.error());
  if (auto ok = check_person_name(parsed->operator_name()); !ok) {
    return fail(ErrorCode::kPolicyRefused, ok.error().message);
  }
  return parsed;
}

Result<v1::BreakGlass> verify_break_glass(const v1::Envelope& break_glass,
                                          const verifier::PublicKey& supervisor_key,
                                          std::string_view station_id) {
  if (auto ok = check_station_id(station_id, "verifying a break-glass"); !ok) {
    return std::unexpected(ok.error());
  }
  auto parsed = verified_statement<v1::BreakGlass>(break_glass, supervisor_key, kBreakGlassType,
                                                   "break-glass");
  if (!parsed) return parsed;
  const std::string what = fmt::format("break-glass by '{}' for line stop {}",
                                       display(parsed->supervisor_name()),
                                       parsed->line_stop_sequence());
  if (auto ok = check_station(parsed->station_id(), station_id, what,
                              "a line stop is released only at its own station");
      !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = check_key_id(parsed->supervisor_key_id(), supervisor_key, what); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = check_nonce(parsed->nonce(), what); !ok) return std::unexpected(ok.error());
  if (auto ok = check_person_name(parsed->supervisor_name()); !ok) {
    return fail(ErrorCode::kPolicyRefused, ok.error().message);
  }
  if (auto ok = check_reason(parsed->reason()); !ok) {
    return fail(ErrorCode::kPolicyRefused, what + ": " + ok.error().message);
  }
  return parsed;
}

std::string session_id(const v1::Envelope& session) {
  auto digest = verifier::sha256(as_bytes(session.payload()));
  return digest ? digest->hex() : std::string();
}

}  // namespace hallmark::people

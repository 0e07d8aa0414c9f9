// Person statements: what operators and supervisors sign with their own cards at a
// station — an operator session (log-in) and a break-glass release of a stopped line — and
// their verification, shared by the station's replay and the signer's countersign. Who the
// people are is not decided here: the signer-issued roster (roster.h) says that.
//
// Every statement is a DSSE envelope over deterministic protobuf bytes (docs/formats.md),
// signed over the PAE by the person's card (a CardSigner: the public key and a signing
// function; station-agent/station/card_signer.h has one backed by a token). Signing checks its inputs first
// (names, reasons: kUsage), and verifies the new signature before returning it. Verifying
// checks the payload type and the signature by the one key the caller trusts
// (kVerificationFailed), then parses exactly the verified bytes, then checks that the
// statement names this station and that its key id field is that key's id (kPolicyRefused).
// This file never decides whether a person may do something: whether the key belongs to
// someone on the roster, with which role, whether a line stop is still open, is decided by
// the callers (the journal replay, countersign). Pure apart from the random nonce; no
// I/O, no clock (callers pass the time), never holds private keys. Thread-safe: functions
// of their arguments (a CardSigner's sign function is as thread-safe as what it wraps).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "hallmark/dsse.pb.h"
#include "hallmark/station.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"

namespace hallmark::people {

// Payload type names (verifier::payload_type_of(name) gives the full type).
inline constexpr std::string_view kOperatorSessionType = "operator-session";
inline constexpr std::string_view kBreakGlassType = "break-glass";

inline constexpr std::size_t kMaxPersonNameChars = 100;
inline constexpr std::size_t kMaxReasonChars = 500;
inline constexpr std::size_t kNonceBytes = 16;

// A person's card as the statements see it: its public key, that key's id, and a function
// signing the DSSE PAE bytes it is given (a DER ECDSA / PSS / Ed25519 signature, as
// verifier::PublicKey::verify expects).
struct CardSigner {
  verifier::PublicKey public_key;
  std::string key_id;
  std::function<Result<Bytes>(ByteView pae)> sign;
};

// A person's name: valid UTF-8, 1..100 characters, no control or bidi-override characters
// and no leading or trailing blanks (so "alice" and "alice " cannot be two people).
// kUsage naming what is wrong.
[[nodiscard]] Result<void> check_person_name(std::string_view name);

// A break-glass reason: valid UTF-8, 1..500 characters, not only blanks, no control
// characters (line breaks included) and no bidi overrides. kUsage naming what is wrong.
[[nodiscard]] Result<void> check_reason(std::string_view reason);

// An operator session started with the operator's card at `station_id`, with a fresh
// 16-byte random nonce (so two sessions never share an id).
[[nodiscard]] Result<v1::Envelope> sign_session(const CardSigner& card,
                                                std::string_view station_id,
                                                std::string_view operator_name,
                                                std::int64_t now_unix);

// A supervisor's release of the line stop recorded at journal sequence
// `line_stop_sequence`, with a reason (check_reason) and a fresh nonce.
[[nodiscard]] Result<v1::Envelope> sign_break_glass(const CardSigner& supervisor,
                                                    std::string_view station_id,
                                                    std::string_view supervisor_name,
                                                    std::uint64_t line_stop_sequence,
                                                    std::string_view reason,
                                                    std::int64_t now_unix);

// Verification against the one key the caller trusts for the statement (from the roster).
[[nodiscard]] Result<v1::OperatorSession> verify_session(const v1::Envelope& session,
                                                         const verifier::PublicKey& card_key,
                                                         std::string_view station_id);
[[nodiscard]] Result<v1::BreakGlass> verify_break_glass(
    const v1::Envelope& break_glass, const verifier::PublicKey& supervisor_key,
    std::string_view station_id);
// A session's id: lowercase hex SHA-256 of its payload bytes (what the card signed).
// Empty only if OpenSSL cannot hash.
[[nodiscard]] std::string session_id(const v1::Envelope& session);

}  // namespace hallmark::people

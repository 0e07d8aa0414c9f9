// DSSE envelopes: PAE encoding, the standard JSON form, and threshold verification.
//
// verify_envelope() is the only way to get a payload out of an envelope: it returns the
// exact bytes that were verified, so callers parse what was signed and never a
// re-serialisation. Threshold rules (docs/design.md §2): every signature is tried against every
// trusted key; a key id is a hint that only changes the order keys are tried in; a trusted
// key counts once however many signatures it made and however often it is listed;
// signatures by unknown keys are ignored. Pure: no I/O, no clock, no private keys.
// Thread-safe: functions of their arguments only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"

namespace hallmark::verifier {

// Larger envelope JSON is refused before it is parsed.
inline constexpr std::size_t kMaxEnvelopeBytes = 64 * 1024 * 1024;
// More signatures than this is refused before any is verified (bounds the work).
inline constexpr std::size_t kMaxSignatures = 256;

// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal.
[[nodiscard]] Bytes pae(std::string_view payload_type, ByteView payload);

// Signs DSSE PAE bytes with a key the caller holds (a token key handle, a card); returns
// the signature in the format PublicKey::verify() checks.
using PaeSigner = std::function<Result<Bytes>(ByteView pae)>;

// A one-signature envelope: `sign` is given PAE(payload_type, payload); `key_id` is the
// signature's hint. The signer's Error is returned unchanged; nothing is verified here.
[[nodiscard]] Result<v1::Envelope> sign_envelope(std::string_view payload_type, ByteView payload,
                                                 std::string_view key_id,
                                                 const PaeSigner& sign);

// DSSE JSON → Envelope. Accepts standard and URL-safe base64; ignores unknown fields.
// Refuses (kUsage) oversized, empty or malformed input (strict RFC 8259 JSON), a known
// field given twice, a missing payloadType and an envelope without signatures. Parsing
// checks form only; nothing is verified here.
[[nodiscard]] Result<v1::Envelope> parse_envelope_json(std::string_view json);

// Envelope → DSSE JSON (payloadType, payload, signatures[{keyid, sig}], standard base64).
[[nodiscard]] std::string envelope_to_json(const v1::Envelope& envelope);

struct VerifiedPayload {
  std::string payload_type;
  Bytes payload;                      // exactly the bytes the signatures cover
  std::vector<std::string> key_ids;   // distinct trusted keys that verified, sorted
};

// Which of `keys` signed `envelope` (result[i] for keys[i]): the one signature-matching
// loop of every threshold check (verify_envelope here, role quorums in verifier/trust). Each
// signature is tried against the key its key id names first — a hint, never a decision —
// then against every other key; a signature counts for at most one key and a key at most
// once, however many signatures it made. Null entries never match. Verifies only.
[[nodiscard]] std::vector<bool> keys_that_signed(const v1::Envelope& envelope,
                                                 std::span<const PublicKey* const> keys);

// Verifies that at least `threshold` distinct keys of `trusted` signed the envelope and,
// when `expected_payload_type` is not empty, that the envelope has that payload type.
// threshold 0, no trusted keys, or a threshold above the number of distinct trusted keys
// is kUsage; too few signers or the wrong payload type is kVerificationFailed.
[[nodiscard]] Result<VerifiedPayload> verify_envelope(
    const v1::Envelope& envelope, std::span<const PublicKey> trusted, std::uint32_t threshold,
    std::string_view expected_payload_type = {});

}  // namespace hallmark::verifier

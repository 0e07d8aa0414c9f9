// Hallmark documents as DSSE payloads: deterministic protobuf bytes, payload type names,
// and parsing of verified payloads.
//
// Signers serialise with deterministic_bytes() and sign those exact bytes; verifiers
// parse only what verify_envelope() returned (parse_verified), never a re-serialisation.
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/message_lite.h>

#include "verifier/core/bytes.h"
#include "verifier/core/dsse.h"
#include "verifier/core/error.h"

namespace hallmark::verifier {

// Deterministic protobuf encoding (map entries sorted); the bytes a signer signs.
[[nodiscard]] Bytes deterministic_bytes(const google::protobuf::MessageLite& message);

// "application/vnd.hallmark.<name>.v1+protobuf", for instance name "trust-root".
[[nodiscard]] std::string payload_type_of(std::string_view name);

// Parses the verified payload bytes as Msg; kVerificationFailed if they are not a Msg.
// Checking payload_type is the job of verify_envelope(..., expected_payload_type).
template <class Msg>
[[nodiscard]] Result<Msg> parse_verified(const VerifiedPayload& verified) {
  Msg message;
  const ByteView bytes = verified.payload;
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX) ||
      !message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(ErrorCode::kVerificationFailed,
                "verified payload of type \"" + verified.payload_type + "\" is not a valid " +
                    message.GetTypeName() + " message");
  }
  return message;
}

}  // namespace hallmark::verifier

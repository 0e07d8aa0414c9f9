// parse_envelope_json() (verifier/core/dsse.h) held against protobuf's JsonStringToMessage,
// the parser it replaced, by the DSSE JSON tests (dsse_json_test.cpp: where both agree;
// dsse_json_strictness_test.cpp: where we refuse on purpose). The checks fail the running
// doctest case.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hallmark/dsse.pb.h"

namespace hallmark::verifier::testing {

// The former implementation, kept as the reference: protobuf's parser with the limits
// parse_envelope_json applies (size, a payload type, 1..kMaxSignatures signatures).
std::optional<v1::Envelope> protobuf_parse(std::string_view json);

// Both parsers give the same verdict and, when they accept, the same envelope.
void check_agree(std::string_view json);

// As check_agree, except that we may refuse what is not RFC 8259 JSON and protobuf accepts.
void check_agree_or_stricter(std::string_view json);

// Protobuf accepts, we refuse with `why` in the message.
void check_refused_unlike_protobuf(std::string_view json, std::string_view why);

// An envelope object with payloadType "t" first and `middle` after it.
std::string with(std::string_view middle);

}  // namespace hallmark::verifier::testing

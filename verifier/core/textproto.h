// Text-format protobuf (textproto) parsing for the files people write by hand: HSM
// profiles, ceremony plans, bundle specs, SKU catalogues. One place that turns protobuf's
// parse errors into a message naming the file, line and column.
// Pure: parses text the caller has read. Thread-safe.
#pragma once

#include <string_view>

#include "verifier/core/error.h"

namespace google::protobuf {
class Message;
}

namespace hallmark::verifier {

// Parses `text` into `message` (cleared first). On error (ErrorCode::kUsage) the message
// reads "<origin> is not a valid <what> (<type> textproto): <origin>:<line>:<col>: ...".
Result<void> parse_textproto(std::string_view text, std::string_view origin,
                             std::string_view what, google::protobuf::Message& message);

}  // namespace hallmark::verifier

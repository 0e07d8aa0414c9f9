// DSSE JSON (every envelope a station, a custodian or a file hands over): the hand-written
// parse_envelope_json() against protobuf's JsonStringToMessage, the parser it replaced.
// We may refuse more (duplicates, non-RFC 8259 JSON; tests/verifier/dsse_json_test.cpp),
// never less: whatever we accept, protobuf must accept as the same envelope. The envelope
// accepted must also survive envelope_to_json() and a second parse unchanged.
#include <google/protobuf/util/json_util.h>

#include "fuzz/fuzz_support.h"
#include "verifier/core/dsse.h"

namespace {

bool protobuf_parse(std::string_view json, hallmark::v1::Envelope& out) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  return google::protobuf::util::JsonStringToMessage(
             google::protobuf::StringPiece(json.data(), json.size()), &out, options)
      .ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  const std::string_view json = fuzz::text_of(data, size);
  auto ours = verifier::parse_envelope_json(json);
  if (!ours) {
    if (ours.error().code != ErrorCode::kUsage) fuzz::finding("refusal is not kUsage");
    return 0;
  }
  v1::Envelope reference;
  if (!protobuf_parse(json, reference)) fuzz::finding("accepted JSON that protobuf refuses");
  if (reference.SerializeAsString() != ours->SerializeAsString()) {
    fuzz::finding("accepted JSON as an envelope other than protobuf's");
  }
  auto again = verifier::parse_envelope_json(verifier::envelope_to_json(*ours));
  if (!again || again->SerializeAsString() != ours->SerializeAsString()) {
    fuzz::finding("envelope_to_json() output does not parse back to the same envelope");
  }
  return 0;
}

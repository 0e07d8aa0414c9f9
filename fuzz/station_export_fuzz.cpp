// A station export as `hallmark-verify journal` checks it: protobuf's parse, then
// verify_station_export() (record parsing, sequence and chain rules, the checkpoint
// envelope) under a station key; with and without an anchoring previous export.
#include "fuzz/fuzz_support.h"
#include "hallmark/station.pb.h"
#include "verifier/journal/station_export.h"

// Keys and trust are made before the first input, outside its 1 s budget.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)hallmark::fuzz::p256_key();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  v1::StationExport exported;
  if (!exported.ParseFromArray(data, static_cast<int>(size))) return 0;
  const auto& key = fuzz::p256_key();
  (void)verifier::verify_station_export(exported, key, std::nullopt);
  verifier::ChainPoint previous;
  previous.sequence = exported.first_sequence() > 0 ? exported.first_sequence() - 1 : 0;
  (void)verifier::verify_station_export(exported, key, previous);
  return 0;
}

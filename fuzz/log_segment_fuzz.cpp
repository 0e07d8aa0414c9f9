// Retention segments of the evidence log (files an auditor is given): protobuf's parse of
// v1::LogSegment, then verify_log_segment() against a demo trust root, as `hallmark-verify
// log` does; the segment also checked as following itself (`earlier`).
#include "fuzz/fuzz_support.h"
#include "verifier/log/log_segment.h"

// Keys and trust are made before the first input, outside its 1 s budget.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)hallmark::fuzz::demo_trusted_root();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  v1::LogSegment segment;
  if (!segment.ParseFromArray(data, static_cast<int>(size))) return 0;
  const auto& root = fuzz::demo_trusted_root();
  auto verified = verifier::verify_log_segment(segment, root);
  if (verified) (void)verifier::verify_log_segment(segment, root, verified->checkpoint);
  return 0;
}

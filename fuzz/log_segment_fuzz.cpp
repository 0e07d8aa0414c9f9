// Retention segments of the evidence log (files an auditor is given): protobuf's parse of
// v1::LogSegment, then verify_log_segment() against a demo trust root, as `hallmark-verify
// log` does; the segment also checked as following itself (`earlier`). Differential: the
// streamed reader `hallmark-verify log` uses (verifier/log/segment_file.h) must take only
// what protobuf's parser takes, and read from it the same fields and the same entries.
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "verifier/log/log_segment.h"
#include "verifier/log/segment_file.h"

namespace hallmark::fuzz {
namespace {

void check_streamed_reader(const std::uint8_t* data, std::size_t size, const v1::LogSegment* parsed) {
  MemFile file(bytes_of(data, size));
  auto head = verifier::read_segment_head(file.path());
  if (!head) return;
  std::vector<std::string> entries;
  auto read = verifier::segment_entries(*head)([&](std::string_view entry) -> Result<void> {
    entries.emplace_back(entry);
    return {};
  });
  if (!read) return;
  if (parsed == nullptr) finding("the streamed segment reader accepted a file protobuf cannot parse");
  v1::LogSegment parsed_head = *parsed;
  parsed_head.clear_entries();
  if (head->head.SerializeAsString() != parsed_head.SerializeAsString()) {
    finding("the streamed segment reader read other fields than protobuf");
  }
  if (head->entry_count != entries.size() ||
      entries.size() != static_cast<std::size_t>(parsed->entries_size())) {
    finding("the streamed segment reader read another number of entries than protobuf");
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i] != parsed->entries(static_cast<int>(i))) {
      finding("the streamed segment reader read an entry other than protobuf's");
    }
  }
}

}  // namespace
}  // namespace hallmark::fuzz

// Keys and trust are made before the first input, outside its 1 s budget.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)hallmark::fuzz::demo_trusted_root();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  v1::LogSegment segment;
  const bool parsed = segment.ParseFromArray(data, static_cast<int>(size));
  fuzz::check_streamed_reader(data, size, parsed ? &segment : nullptr);
  if (!parsed) return 0;
  const auto& root = fuzz::demo_trusted_root();
  auto verified = verifier::verify_log_segment(segment, root);
  if (verified) (void)verifier::verify_log_segment(segment, root, verified->checkpoint);
  return 0;
}

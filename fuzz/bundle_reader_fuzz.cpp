// Bundle files (what the signer promotes and a station takes in: a tar archive from the
// release pipeline or a USB stick): bundle::read_bundle(), the reader every component uses.
// An accepted bundle's entries must be consistent with what the reader promised: the first
// is hallmark/bundle.pb, names are unique and classify as their kind.
#include <set>
#include <string>

#include "fuzz/fuzz_support.h"
#include "verifier/bundle/bundle_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  fuzz::MemFile file(fuzz::bytes_of(data, size));
  auto contents = bundle::read_bundle(file.path());
  if (!contents) return 0;
  if (contents->entries.empty() || contents->entries.front().name != bundle::kBundleEntry) {
    fuzz::finding("accepted a bundle whose first entry is not hallmark/bundle.pb");
  }
  std::set<std::string> seen;
  for (const auto& entry : contents->entries) {
    if (!seen.insert(entry.name).second) fuzz::finding("accepted a bundle with a duplicate entry");
    auto kind = bundle::classify_entry_name(entry.name);
    if (!kind || kind->kind != entry.kind) fuzz::finding("accepted an entry of the wrong kind");
  }
  return 0;
}

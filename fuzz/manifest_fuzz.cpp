// Provisioning manifest files (what an auditor or a customer is handed per unit):
// parse_manifest_file_json() under the product's JSON rules, then verify_manifest_file()
// against a demo trust root, as `hallmark-verify manifest` does. The committed seeds verify
// under that root, so mutations reach the checks after the signatures.
#include "fuzz/fuzz_support.h"
#include "verifier/log/manifest_file.h"

// Keys and trust are made before the first input, outside its 1 s budget.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)hallmark::fuzz::demo_trusted_root();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  auto file = verifier::parse_manifest_file_json(fuzz::text_of(data, size), "fuzz.manifest.json");
  if (!file) return 0;
  (void)verifier::verify_manifest_file(*file, fuzz::demo_trusted_root());
  return 0;
}

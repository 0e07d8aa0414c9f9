// Textproto files people write or a station's state directory holds: HSM profiles
// (hsm::parse_profile), bundle specs and SKU catalogues (bundle::parse_bundle_spec,
// parse_sku_catalog), and through verifier::parse_textproto() a station's policy and
// accepted-bundle list, a ceremony plan and a roster spec. The first byte picks the parser.
#include "fuzz/fuzz_support.h"
#include "hallmark/ceremony.pb.h"
#include "hallmark/station.pb.h"
#include "hsm-profiles/profile/profile.h"
#include "signer/bundle/bundle_spec.h"
#include "verifier/core/textproto.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  if (size < 1) return 0;
  const std::string_view text = fuzz::text_of(data + 1, size - 1);
  constexpr std::string_view kOrigin = "fuzz.textproto";
  switch (data[0] % 6) {
    case 0: (void)hsm::parse_profile(text, kOrigin); break;
    case 1: (void)bundle::parse_bundle_spec(text, kOrigin); break;
    case 2: (void)bundle::parse_sku_catalog(text, kOrigin); break;
    case 3: {
      v1::StationPolicy policy;
      (void)verifier::parse_textproto(text, kOrigin, "station policy", policy);
      break;
    }
    case 4: {
      v1::CeremonyPlan plan;
      (void)verifier::parse_textproto(text, kOrigin, "ceremony plan", plan);
      break;
    }
    default: {
      v1::RosterSpec spec;
      (void)verifier::parse_textproto(text, kOrigin, "roster spec", spec);
      break;
    }
  }
  return 0;
}

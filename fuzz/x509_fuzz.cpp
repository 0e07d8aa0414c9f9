// X.509 certificates (a station's device-CA certificate in its registration, a unit's
// identity certificate in its attestation): verify_device_ca_certificate() and
// verify_device_certificate(), as registration checks and `hallmark-verify manifest` call
// them. Input: a 2-byte big-endian length, the device-CA certificate of that length, then
// the unit's certificate. Signatures cannot verify (the keys are the fuzzer's own); what is
// fuzzed is everything OpenSSL and our checks parse before and around them.
#include <openssl/err.h>

#include "fuzz/fuzz_support.h"
#include "verifier/trust/station_registration.h"

// Keys and trust are made before the first input, outside its 1 s budget.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)hallmark::fuzz::p256_key();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  if (size < 2) return 0;
  const std::size_t split = std::min<std::size_t>((std::size_t{data[0]} << 8) | data[1], size - 2);
  const ByteView ca = fuzz::bytes_of(data + 2, split);
  const ByteView unit = fuzz::bytes_of(data + 2 + split, size - 2 - split);
  const auto& key = fuzz::p256_key();
  constexpr std::int64_t kNow = 1'780'000'000;
  (void)verifier::verify_device_ca_certificate(ca, key, key, "station-1", kNow);
  (void)verifier::verify_device_certificate(unit, ca, key, "SN-0001", kNow);
  ERR_clear_error();
  return 0;
}

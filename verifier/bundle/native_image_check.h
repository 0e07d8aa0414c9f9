// The native images of a promoted bundle (ESP32 Secure Boot V2, MCUboot), checked while
// read_bundle() streams their entries past: each entry is hashed once and never kept, then
// held to the native image the promoted release names for it (format, size, digest, the
// release key's signature, the bundle image it was made from). Part of
// verify_promoted_release (promoted_bundle.h), whose order it follows; not thread-safe (one
// per read).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hallmark/release.pb.h"
#include "verifier/bundle/bundle_reader.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/core/public_key.h"

namespace hallmark::bundle {

class NativeEntryCheck;

class NativeImageChecks {
 public:
  NativeImageChecks();
  ~NativeImageChecks();
  NativeImageChecks(const NativeImageChecks&) = delete;
  NativeImageChecks& operator=(const NativeImageChecks&) = delete;

  // For ReadOptions::digester: the digester a native entry of `size` bytes streams through
  // (kept here until check()), nullptr for any other entry.
  EntryDigester* digester(const BundleEntry& entry, std::uint64_t size, const v1::Bundle& bundle);

  // After read_bundle(): every native image the release `r` names has its entry, checked
  // against the bundle image and `key` (the release key); every native entry is named.
  // kVerificationFailed naming the entry otherwise.
  [[nodiscard]] Result<std::vector<VerifiedNativeImage>> check(
      const BundleContents& c, const v1::PromotedRelease& r, const verifier::PublicKey& key) const;

 private:
  std::map<std::string, std::unique_ptr<NativeEntryCheck>> checks_;
};

}  // namespace hallmark::bundle

// Reading a Hallmark bundle file (docs/bundle-format.md): the archive is checked entry by
// entry as it streams past, and nothing is returned unless the whole file passed.
//
// read_bundle() opens the archive, requires `hallmark/bundle.pb` first, parses it (keeping
// its exact bytes and their SHA-256, the bundle digest custodians approve) and checks the
// Bundle's rules, then reads every further entry through a 1 MiB buffer, hashing as it
// goes, so peak memory does not depend on image size. Only `hallmark/` and `promotion/`
// entries (small documents, up to a limit) are kept in memory. It refuses unknown names,
// absolute or `..` names, links and other non-regular entries, duplicate entries, image
// entries whose content does not match the digest in their name or that the Bundle does
// not list, listed images that are absent, native entries whose content does not match
// their name, and truncated archives (including a missing end-of-archive marker) or
// trailing data. Every message names the bundle file and the entry. It does not verify
// signatures or approvals; that is the promotion verifier's job, on top of this.
// Thread-safe: no shared state; callbacks run on the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/release.pb.h"
#include "verifier/bundle/bundle_format.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::bundle {

inline constexpr std::size_t kReadBlockBytes = 1024 * 1024;
inline constexpr std::size_t kDefaultMaxSmallEntryBytes = 4 * 1024 * 1024;
// promotion/ entries (the release, trust root versions and approvals: DSSE JSON documents
// of a few KiB) are bounded in size and number, so what a bundle makes the reader keep and
// parse before any signature check is bounded too (64 MiB at most).
inline constexpr std::size_t kMaxPromotionEntryBytes = 256 * 1024;
inline constexpr std::size_t kMaxPromotionEntries = 256;

struct BundleEntry {
  std::string name;
  EntryKind kind = EntryKind::kImage;
  std::uint64_t size = 0;
  verifier::Digest sha256;
  std::optional<Bytes> bytes;  // kBundle and kPromotion entries only
};

// Sees every block of every entry, in archive order, before the entry has been checked:
// a consumer (a native-signature check, say) must not act on the data until read_bundle()
// has returned successfully.
using BlockObserver = std::function<void(const BundleEntry& entry, ByteView block)>;
// Bytes of the current entry read so far, and its size from the archive header.
using ReadProgress =
    std::function<void(std::string_view entry, std::uint64_t done, std::uint64_t total)>;

// Lets a consumer that must hash an entry anyway (a streaming native-image verifier) do the
// reader's hashing too, so the entry is hashed once: every block goes to update(), and
// finish() must return the SHA-256 of all of them, which the reader then checks against
// the entry name exactly as it checks its own digest.
class EntryDigester {
 public:
  virtual ~EntryDigester() = default;
  virtual void update(ByteView block) = 0;
  [[nodiscard]] virtual Result<verifier::Digest> finish() = 0;
};
// Called when an image or native entry starts (the manifest already parsed); returns a
// digester the caller keeps alive until read_bundle() returns, or nullptr to let the
// reader hash the entry itself.
using DigesterFactory = std::function<EntryDigester*(const BundleEntry& entry,
                                                     std::uint64_t size,
                                                     const v1::Bundle& bundle)>;

struct ReadOptions {
  std::size_t max_small_entry_bytes = kDefaultMaxSmallEntryBytes;
  BlockObserver on_block;
  DigesterFactory digester;
  ReadProgress progress;
};

struct BundleContents {
  std::filesystem::path path;
  Bytes bundle_bytes;              // exactly the bytes of hallmark/bundle.pb
  verifier::Digest bundle_digest;  // SHA-256 of bundle_bytes
  v1::Bundle bundle;
  std::vector<BundleEntry> entries;  // archive order; entries[0] is hallmark/bundle.pb
  std::uint64_t archive_bytes = 0;

  [[nodiscard]] const BundleEntry* find(std::string_view name) const;
  // Bytes of a small entry (hallmark/, promotion/), or nullptr.
  [[nodiscard]] const Bytes* small_entry(std::string_view name) const;
};

// kIo when the file cannot be read; kVerificationFailed when it is not a valid bundle;
// kPolicyRefused when its Bundle breaks the bundle rules (bundle_rules.h).
[[nodiscard]] Result<BundleContents> read_bundle(const std::filesystem::path& path,
                                                 const ReadOptions& options = {});

}  // namespace hallmark::bundle

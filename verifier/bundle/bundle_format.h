// The names inside a Hallmark bundle file (docs/bundle-format.md), shared by the writer,
// the reader and the promotion step so that all of them agree on one vocabulary.
//
// A bundle is a POSIX ustar/pax archive whose first entry is `hallmark/bundle.pb`, followed
// by content-addressed entries `images/sha256-<hex>`, and in a promoted bundle
// `native/sha256-<hex>` and `promotion/<name>`. classify_entry_name() accepts exactly these
// names and nothing that could escape a directory (absolute paths, "..", "." components,
// empty components, characters outside [A-Za-z0-9._-]). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::bundle {

inline constexpr std::string_view kBundleEntry = "hallmark/bundle.pb";
inline constexpr std::string_view kImagePrefix = "images/sha256-";
inline constexpr std::string_view kNativePrefix = "native/sha256-";
inline constexpr std::string_view kPromotionPrefix = "promotion/";
// Every entry is a regular file with this mode, mtime 0, uid/gid 0 and no owner names.
inline constexpr unsigned kEntryMode = 0444;
// The longest entry name accepted (ustar's own limit without a pax header is 100).
inline constexpr std::size_t kMaxEntryNameBytes = 200;

enum class EntryKind { kBundle, kImage, kNative, kPromotion };

struct EntryName {
  EntryKind kind = EntryKind::kBundle;
  std::optional<verifier::Digest> digest;  // kImage and kNative: the digest the name claims
};

[[nodiscard]] std::string image_entry_name(const verifier::Digest& digest);
[[nodiscard]] std::string native_entry_name(const verifier::Digest& digest);

// kVerificationFailed with a reason ("is an absolute path", "is not a bundle entry: ...")
// that the caller prefixes with the bundle file and the entry.
[[nodiscard]] Result<EntryName> classify_entry_name(std::string_view name);

// `name` with anything unprintable shown as \xNN, for error messages.
[[nodiscard]] std::string printable_name(std::string_view name);

}  // namespace hallmark::bundle

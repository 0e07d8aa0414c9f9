#include "verifier/bundle/bundle_format.h"

#include <fmt/format.h>

namespace hallmark::bundle {
namespace {

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_safe_component(std::string_view c) {
  if (c.empty() || c.front() == '.') return false;  // no "", ".", "..", hidden files
  for (char ch : c) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

std::unexpected<Error> refuse(std::string reason) {
  return fail(ErrorCode::kVerificationFailed, std::move(reason));
}

Result<verifier::Digest> digest_suffix(std::string_view name, std::string_view prefix) {
  const std::string_view hex = name.substr(prefix.size());
  if (hex.size() != 2 * verifier::Digest::kSize || !is_lower_hex(hex)) {
    return refuse(fmt::format("is not named {}<64 lowercase hex digits>", prefix));
  }
  return verifier::Digest::from_hex(hex);
}

}  // namespace

std::string image_entry_name(const verifier::Digest& digest) {
  return std::string(kImagePrefix) + digest.hex();
}

std::string native_entry_name(const verifier::Digest& digest) {
  return std::string(kNativePrefix) + digest.hex();
}

std::string printable_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '\\') {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out;
}

Result<EntryName> classify_entry_name(std::string_view name) {
  if (name.empty()) return refuse("has an empty name");
  if (name.size() > kMaxEntryNameBytes) {
    return refuse(fmt::format("has a name longer than {} bytes", kMaxEntryNameBytes));
  }
  if (name.front() == '/') return refuse("is an absolute path (path traversal refused)");
  // Every component is checked, so "a/../b", "./a" and "a//b" are all refused here.
  std::string_view rest = name;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view component = rest.substr(0, slash);
    if (component == "..") return refuse("has a '..' component (path traversal refused)");
    if (!is_safe_component(component)) {
      return refuse("has an empty, hidden or non-portable path component "
                    "(only A-Z a-z 0-9 . _ - are allowed, not leading '.')");
    }
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
    if (rest.empty()) return refuse("ends with '/' (directories are not bundle entries)");
  }
  if (name == kBundleEntry) return EntryName{EntryKind::kBundle, std::nullopt};
  if (name.starts_with(kImagePrefix)) {
    auto digest = digest_suffix(name, kImagePrefix);
    if (!digest) return std::unexpected(digest.error());
    return EntryName{EntryKind::kImage, *digest};
  }
  if (name.starts_with(kNativePrefix)) {
    auto digest = digest_suffix(name, kNativePrefix);
    if (!digest) return std::unexpected(digest.error());
    return EntryName{EntryKind::kNative, *digest};
  }
  if (name.starts_with(kPromotionPrefix) && name.size() > kPromotionPrefix.size()) {
    return EntryName{EntryKind::kPromotion, std::nullopt};
  }
  return refuse(fmt::format("is not a bundle entry: expected {}, {}<hex>, {}<hex> or {}<name>",
                            kBundleEntry, kImagePrefix, kNativePrefix, kPromotionPrefix));
}

}  // namespace hallmark::bundle

#include "verifier/bundle/unit_claims.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "verifier/core/printable.h"

namespace hallmark::bundle {
namespace {

bool same(const std::string& bytes, const verifier::Digest& digest) {
  return bytes.size() == verifier::Digest::kSize &&
         std::memcmp(bytes.data(), digest.bytes().data(), verifier::Digest::kSize) == 0;
}

Result<verifier::Digest> digest_field(const std::string& bytes, std::string_view what) {
  auto digest = verifier::Digest::from_bytes(as_bytes(bytes));
  if (!digest) {
    return fail(ErrorCode::kVerificationFailed, fmt::format("{}: not a 32-byte SHA-256", what));
  }
  return digest;
}

}  // namespace

std::string flash_region(std::uint64_t address, std::uint64_t size) {
  return fmt::format("flash 0x{:x}+{}", address, size);
}

Result<UnitClaims> unit_claims(const v1::Bundle& bundle, const v1::PromotedRelease& release) {
  UnitClaims claims;
  for (const auto& native : release.native_images()) {
    if (native.format() != v1::ESP32_SECURE_BOOT_V2) continue;
    auto digest = digest_field(native.key_digest(), "the release's secure-boot key digest");
    if (!digest) return std::unexpected(digest.error());
    claims.key_digest = *digest;
  }
  for (const auto& step : bundle.plan()) {
    if (step.kind() != v1::ProvisioningStep::WRITE_IMAGE) continue;
    if (std::any_of(claims.written.begin(), claims.written.end(),
                    [&](const ClaimedImage& c) { return c.name == step.image(); })) {
      continue;
    }
    const auto image = std::find_if(bundle.images().begin(), bundle.images().end(),
                                    [&](const v1::Image& i) { return i.name() == step.image(); });
    if (image == bundle.images().end()) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("the plan writes image '{}', which the bundle does not list",
                              step.image()));
    }
    // The station writes the native (signed) form when the release has one.
    std::string sha256 = image->sha256();
    std::uint64_t size = image->size();
    for (const auto& native : release.native_images()) {
      if (native.image() != image->name()) continue;
      sha256 = native.sha256();
      size = native.size();
    }
    auto digest = digest_field(sha256, fmt::format("image '{}'", image->name()));
    if (!digest) return std::unexpected(digest.error());
    claims.written.push_back(ClaimedImage{image->name(), flash_region(image->flash_address(), size),
                                          *digest, image->flash_address(), size, image->format()});
  }
  return claims;
}

std::vector<std::string> claim_mismatches(const v1::Attestation& a, const UnitClaims& claims,
                                          bool complete) {
  std::vector<std::string> out;
  const auto by_name = [&](const std::string& name) -> const ClaimedImage* {
    for (const auto& c : claims.written) {
      if (c.name == name) return &c;
    }
    return nullptr;
  };
  const auto by_region = [&](const std::string& region) -> const ClaimedImage* {
    for (const auto& c : claims.written) {
      if (c.region == region) return &c;
    }
    return nullptr;
  };
  for (const auto& d : a.image_digests()) {
    const ClaimedImage* c = by_name(d.region());
    if (c == nullptr) {
      out.push_back(fmt::format("image '{}' ({}) is not one the bundle's plan writes", d.region(),
                                verifier::digest_hex(d.sha256())));
    } else if (!same(d.sha256(), c->sha256)) {
      out.push_back(fmt::format("image '{}' is claimed as {}, the bundle's is {}", d.region(),
                                verifier::digest_hex(d.sha256()), c->sha256.hex()));
    }
  }
  for (const auto& m : a.measured()) {
    if (m.region() == kKeyDigestRegion) {
      if (!claims.key_digest) {
        out.push_back(fmt::format("eFuse key digest {} is burned, but the bundle plans no "
                                  "secure-boot key", verifier::digest_hex(m.sha256())));
      } else if (!same(m.sha256(), *claims.key_digest)) {
        out.push_back(fmt::format("eFuse key digest {} is not the bundle's release key digest {}",
                                  verifier::digest_hex(m.sha256()), claims.key_digest->hex()));
      }
      continue;
    }
    const ClaimedImage* c = by_region(m.region());
    if (c == nullptr) {
      out.push_back(fmt::format("measured region '{}' ({}) is not one the bundle writes",
                                m.region(), verifier::digest_hex(m.sha256())));
    } else if (!same(m.sha256(), c->sha256)) {
      out.push_back(fmt::format("read-back of image '{}' ({}) is {}, the bundle's image is {}",
                                c->name, m.region(), verifier::digest_hex(m.sha256()), c->sha256.hex()));
    }
  }
  if (!complete) return out;
  for (const auto& c : claims.written) {
    const bool claimed = std::any_of(a.image_digests().begin(), a.image_digests().end(),
                                     [&](const v1::MeasuredDigest& d) { return d.region() == c.name; });
    const bool measured = std::any_of(a.measured().begin(), a.measured().end(),
                                      [&](const v1::MeasuredDigest& m) { return m.region() == c.region; });
    if (!claimed) out.push_back(fmt::format("image '{}' of the bundle is missing from the images", c.name));
    if (!measured) {
      out.push_back(fmt::format("image '{}' of the bundle was not measured ({})", c.name, c.region));
    }
  }
  return out;
}

}  // namespace hallmark::bundle

// Text renderings of a verified promoted bundle (declared in promoted_bundle.h).
#include <fmt/format.h>

#include "verifier/bundle/bundle_rules.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/core/printable.h"
#include "verifier/core/software_token.h"
#include "verifier/core/time_format.h"

namespace hallmark::bundle {

std::string render_verified_release(const VerifiedRelease& v) {
  const v1::Bundle& b = v.bundle;
  std::string out = fmt::format("OK: promoted bundle verified under trust root anchor {}\n",
                                v.anchor_digest.hex());
  out += fmt::format("  SKU               {} ({})\n", b.sku(), b.device_family());
  out += fmt::format("  version           {}\n", b.version());
  out += fmt::format("  security counter  {}\n", b.security_counter());
  out += fmt::format("  channel           {}\n", v.release.channel());
  out += fmt::format("  bundle digest     {}\n", v.bundle_digest.hex());
  out += fmt::format("  trust root        v{}\n", v.trust_root_version);
  out += fmt::format("  promoted at       {}\n", verifier::format_utc(v.release.promoted_unix()));
  out += fmt::format("  requester         {}\n", b.requester());
  out += fmt::format("Approvals ({} of {} required)\n", v.approvals.approvers.size(),
                     v.approvals.threshold);
  for (const auto& a : v.approvals.approvals) {
    out += fmt::format("  {}  by {}  channel {}  request {}  valid {} .. {}\n", a.name,
                       a.custodian, a.statement.channel(), a.statement.request_id(),
                       verifier::format_utc(a.statement.not_before_unix()),
                       verifier::format_utc(a.statement.not_after_unix()));
  }
  out += "Images\n";
  for (const auto& image : b.images()) {
    out += fmt::format("  {:<12} {:<20} at {:<10} {:>9} bytes  sha256 {}\n", image.name(),
                       v1::ImageFormat_Name(image.format()), hex_address(image.flash_address()),
                       image.size(), to_hex(as_bytes(image.sha256())));
  }
  if (b.has_station_software()) {
    out += "Station software: programs installed\n";
    for (const auto& p : b.station_software().binaries()) {
      out += fmt::format("  {:<40} sha256 {}  from {}\n", p.path(), to_hex(as_bytes(p.sha256())),
                         p.package());
    }
  }
  out += "Native images (signed with the release key)\n";
  for (const auto& n : v.native_images) {
    out += fmt::format("  {:<12} {:<20} {:>9} bytes  sha256 {}\n", n.native.image(),
                       v1::ImageFormat_Name(n.native.format()), n.native.size(),
                       to_hex(as_bytes(n.native.sha256())));
  }
  const v1::TokenInfo& t = v.release.release_token();
  if (!t.label().empty()) {
    out += fmt::format("Release key token {} ({} {}), profile {}\n", verifier::printable(t.label()),
                       verifier::printable(t.manufacturer()), verifier::printable(t.model()),
                       t.profile().empty() ? "(not recorded)" : verifier::printable(t.profile()));
  }
  if (verifier::is_software_token(t)) {
    out += fmt::format("  SOFTWARE TOKEN{} (tests and demos only)\n",
                       t.software_token()
                           ? ", allowed by " + std::string(verifier::kAllowSoftwareTokenFlag)
                           : std::string());
  }
  return out + render_key_id_mapping(v.release_key);
}

}  // namespace hallmark::bundle

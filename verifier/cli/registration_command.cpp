#include "verifier/cli/registration_command.h"

#include <fmt/format.h>

#include <iostream>
#include <string>

#include "hallmark/station.pb.h"
#include "verifier/cli/manifest_command.h"
#include "verifier/core/bytes.h"
#include "verifier/core/dsse.h"
#include "verifier/core/printable.h"
#include "verifier/core/sha256.h"
#include "verifier/core/time_format.h"
#include "verifier/io/envelope_file.h"
#include "verifier/io/file_io.h"
#include "verifier/tool/display_json.h"
#include "verifier/trust/station_registration.h"

namespace hallmark::verifier::cli {
namespace {

std::string provenance_text(const v1::KeyProvenance& p) {
  std::string out = p.local() ? "generated on the token" : "NOT generated on the token";
  out += p.never_extractable() ? ", never extractable" : ", extractable at some time";
  out += p.always_sensitive() ? ", always sensitive" : "";
  return out;
}

std::string hex_of(const std::string& bytes) {
  return bytes.empty() ? "(none)" : to_hex(as_bytes(bytes));
}

void print_text(const RegistrationOptions& options, const VerifiedStation& v,
                const std::string& anchor, std::ostream& out) {
  const v1::StationRegistration& r = v.registration;
  const v1::StationEnrollment& e = v.enrollment.enrollment;
  out << fmt::format("OK: {} verified under {}\n", options.file.string(), anchor);
  out << fmt::format("station             {}\n", printable(r.station_id()));
  out << fmt::format("registered          {}\n", format_utc(r.registered_unix()));
  out << fmt::format("expires             {}\n",
                     r.expires_unix() == 0 ? "never" : format_utc(r.expires_unix()));
  out << fmt::format("trust root version  {}\n", r.trust_root_version());
  out << fmt::format("station token       {}\n", station_token_text(e));
  out << fmt::format("station key         {} ({})\n", v.enrollment.station_key.key_id(),
                     provenance_text(e.station_key_provenance()));
  out << fmt::format("device-CA key       {} ({})\n", v.enrollment.device_ca_key.key_id(),
                     provenance_text(e.device_ca_key_provenance()));
  out << fmt::format("software SHA-256    {}\n", hex_of(e.software_sha256()));
  out << fmt::format("config SHA-256      {}\n", hex_of(e.config_sha256()));
  out << fmt::format("request created     {}\n", format_utc(e.created_unix()));
  const auto cert = sha256(as_bytes(r.device_ca_certificate_der()));
  out << fmt::format("device-CA cert      {} bytes, SHA-256 {} (issued by the manufacturing "
                     "CA to the device-CA key)\n",
                     r.device_ca_certificate_der().size(), cert ? cert->hex() : "-");
}

}  // namespace

CLI::App* add_registration_command(tool::CommandLine& command_line, RegistrationOptions& options) {
  CLI::App* sub = command_line.add(
      command_line.app(), "registration",
      "Verify a station registration and show what is inside it: station, keys, enrolled "
      "software and configuration, validity, device-CA certificate",
      [&command_line, &options] {
        options.json = command_line.json();
        return run_registration(options, std::cout);
      });
  sub->add_option("file", options.file, "station registration (DSSE JSON)")
      ->required()
      ->type_name("FILE.registration.json");
  add_trust_root_flags(*sub, options.trust_root, options.at);
  return sub;
}

Result<void> run_registration(const RegistrationOptions& options, std::ostream& out) {
  const std::int64_t at = options.at.value_or(unix_now());
  auto root = load_trust_root(options.trust_root, at);
  if (!root) return std::unexpected(std::move(root).error());
  const std::string name = options.file.string();
  auto envelope = fileio::read_envelope(options.file);
  if (!envelope) return std::unexpected(std::move(envelope).error());
  auto verified = verify_station_registration(*envelope, root->trust.root(), at);
  if (!verified) return std::unexpected(std::move(verified).error().context(name));
  if (options.json) {
    v1::StationRegistration shown = verified->registration;
    shown.clear_enrollment_payload();  // shown decoded as "enrollment"
    out << "{\"registration\": " << tool::to_display_json(shown, tool::JsonLayout::kOneLine)
        << ", \"enrollment\": "
        << tool::to_display_json(verified->enrollment.enrollment, tool::JsonLayout::kOneLine)
        << "}\n";
    return {};
  }
  print_text(options, *verified, root->anchor_line(), out);
  return {};
}

}  // namespace hallmark::verifier::cli

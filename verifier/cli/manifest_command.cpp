#include "verifier/cli/manifest_command.h"

#include <fmt/format.h>

#include <iostream>
#include <string>

#include "hallmark/evidence.pb.h"
#include "verifier/core/time_format.h"
#include "verifier/io/file_io.h"
#include "verifier/log/manifest_file.h"
#include "verifier/trust/station_registration.h"

namespace hallmark::verifier::cli {
namespace {

// A manifest file carries one manifest, its proof and two envelopes: a few hundred KiB at
// most (the attestation holds a device certificate).
constexpr std::size_t kMaxManifestFileBytes = 16u * 1024u * 1024u;

Result<v1::ManifestFile> read_manifest_file(const std::filesystem::path& path) {
  auto bytes = fileio::read_file(path, kMaxManifestFileBytes);
  if (!bytes) return std::unexpected(std::move(bytes).error());
  return parse_manifest_file_json(as_chars(*bytes), path.string());
}

void print_text(const ManifestOptions& options, const VerifiedManifest& v,
                const std::string& anchor, std::ostream& out) {
  const v1::ProvisioningManifest& m = v.manifest;
  out << fmt::format("OK: {} verified under {}\n", options.file.string(), anchor);
  out << fmt::format("serial        {}\n", m.serial());
  out << fmt::format("hardware id   {}\n", m.hardware_id());
  out << fmt::format("station       {}\n", v.station_id);
  out << fmt::format("event         {} / {}\n", v1::Attestation::Event_Name(m.event()),
                     v1::Attestation::Result_Name(m.result()));
  out << fmt::format("event time    {}\n", format_utc(m.event_unix()));
  out << fmt::format("bundle        {}\n", to_hex(as_bytes(m.bundle_digest())));
  out << fmt::format("log index     {} of tree size {}\n", v.leaf_index, v.checkpoint.tree_size());
  out << fmt::format("checkpoint    {} ({})\n", format_utc(v.checkpoint.time_unix()),
                     to_hex(as_bytes(v.checkpoint.root_hash())));
  out << fmt::format("findings      {}\n", m.findings_size());
  for (const auto& note : v.station->revocation_notes) out << fmt::format("note          {}\n", note);
}

}  // namespace

void add_trust_root_flags(CLI::App& sub, TrustRootInputs& inputs, std::optional<int64_t>& at) {
  sub.add_option("--trust-root", inputs.chain, "pinned trust root envelopes, anchor first")
      ->required()
      ->type_name("TRUST_ROOT.json");
  sub.add_option("--pin-digest", inputs.pin_digest,
                 "hex SHA-256 of the anchor's payload, obtained out of band");
  sub.add_option("--revocation", inputs.revocations,
                 "revocation envelope to apply; repeat for more")
      ->type_name("FILE");
  sub.add_option_function<int64_t>(
         "--at", [&at](const int64_t& t) { at = t; },
         "check the trust root's validity at this UNIX time instead of now")
      ->type_name("UNIX_TIME");
}

namespace {

// A subcommand taking one manifest file and the trust-root flags (`manifest`, `device`).
CLI::App* add_manifest_file_command(tool::CommandLine& command_line, ManifestOptions& options,
                                    const std::string& name, const std::string& description,
                                    Result<void> (*run)(const ManifestOptions&, std::ostream&)) {
  CLI::App* sub = command_line.add(command_line.app(), name, description,
                                   [&command_line, &options, run] {
                                     options.json = command_line.json();
                                     return run(options, std::cout);
                                   });
  sub->add_option("file", options.file, "manifest file (ManifestFile, protobuf JSON)")
      ->required()
      ->type_name("FILE.manifest.json");
  add_trust_root_flags(*sub, options.trust_root, options.at);
  return sub;
}

// The trust root loaded and the manifest file read and verified, errors naming the file.
Result<std::pair<VerifiedManifest, std::string>> load_and_verify(const ManifestOptions& options) {
  auto root = load_trust_root(options.trust_root, options.at.value_or(unix_now()));
  if (!root) return std::unexpected(std::move(root).error());
  auto file = read_manifest_file(options.file);
  if (!file) return std::unexpected(std::move(file).error());
  auto verified = verify_manifest_file(*file, root->trust.root());
  if (!verified) return std::unexpected(std::move(verified).error().context(options.file.string()));
  return std::pair{std::move(*verified), root->anchor_line()};
}

}  // namespace

CLI::App* add_manifest_command(tool::CommandLine& command_line, ManifestOptions& options) {
  return add_manifest_file_command(
      command_line, options, "manifest",
      "Verify a per-serial provisioning manifest: evidence checkpoint, inclusion in the log, "
      "station registration and the station's attestation",
      run_manifest);
}

Result<void> run_manifest(const ManifestOptions& options, std::ostream& out) {
  auto loaded = load_and_verify(options);
  if (!loaded) return std::unexpected(std::move(loaded).error());
  const VerifiedManifest* verified = &loaded->first;
  if (options.json) {
    // The JSON is the manifest itself; a revocation that leaves it standing goes to stderr.
    for (const auto& note : verified->station->revocation_notes) std::cerr << "note: " << note << '\n';
    const std::string json = tool::to_json(verified->manifest);
    out << json << (json.ends_with('\n') ? "" : "\n");
  } else {
    print_text(options, *verified, loaded->second, out);
  }
  return {};
}

CLI::App* add_device_command(tool::CommandLine& command_line, ManifestOptions& options) {
  return add_manifest_file_command(
      command_line, options, "device",
      "Verify a unit's identity certificate from its manifest: the manifest as `manifest` "
      "does, then the certificate issued by the station's device-CA key to that serial",
      run_device);
}

Result<void> run_device(const ManifestOptions& options, std::ostream& out) {
  auto loaded = load_and_verify(options);
  if (!loaded) return std::unexpected(std::move(loaded).error());
  const VerifiedManifest* verified = &loaded->first;
  const v1::Attestation& a = verified->attestation;
  if (a.device_certificate_der().empty()) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("{}: this event ({}) carries no device certificate",
                            options.file.string(), v1::Attestation::Event_Name(a.event())));
  }
  const VerifiedStation& station = *verified->station;
  auto device = verify_device_certificate(
      as_bytes(a.device_certificate_der()),
      as_bytes(station.registration.device_ca_certificate_der()),
      station.enrollment.device_ca_key, verified->manifest.serial(), a.time_unix());
  if (!device) return std::unexpected(std::move(device).error().context(options.file.string()));
  if (options.json) {
    const std::string json = tool::to_json(a);
    out << json << (json.ends_with('\n') ? "" : "\n");
    return {};
  }
  out << fmt::format("OK: {}: the device certificate of {} verified under {}\n",
                     options.file.string(), verified->manifest.serial(), loaded->second);
  out << fmt::format("serial        {}\n", device->common_name);
  out << fmt::format("hardware id   {}\n", verified->manifest.hardware_id());
  out << fmt::format("device key    {} (generated on the device; never left it)\n",
                     device->device_key.key_id());
  out << fmt::format("issued by     the device-CA key of {} ({})\n", verified->station_id,
                     station.enrollment.device_ca_key.key_id());
  out << fmt::format("valid         {} to {}\n", format_utc(device->not_before_unix),
                     format_utc(device->not_after_unix));
  return {};
}

}  // namespace hallmark::verifier::cli

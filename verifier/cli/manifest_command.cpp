#include "verifier/cli/manifest_command.h"

#include <fmt/format.h>

#include <iostream>
#include <string>

#include "hallmark/evidence.pb.h"
#include "verifier/cli/certificate_export.h"
#include "verifier/core/printable.h"
#include "verifier/core/time_format.h"
#include "verifier/io/file_io.h"
#include "verifier/log/event_answer.h"
#include "verifier/log/manifest_file.h"
#include "verifier/trust/station_registration.h"
#include "verifier/tool/command_line.h"
#include "verifier/tool/display_json.h"
#include "verifier/tool/trust_root_flags.h"

namespace hallmark::verifier::cli {
namespace {

// A manifest file carries one manifest, its proof and two envelopes: a few hundred KiB at
// most (the attestation holds a device certificate).
constexpr std::size_t kMaxManifestFileBytes = 16u * 1024u * 1024u;

// Why `text` (which did not parse) is not a manifest file, for a person: empty, cut short
// (a copy that stopped early), or something else — with the parser's reason cut to one
// short line, never a dump of the input.
Error not_a_manifest(const std::filesystem::path& path, const std::string& text,
                     std::string parser_reason) {
  const auto last = text.find_last_not_of(" \t\r\n");
  std::string why;
  if (last == std::string::npos) {
    why = "the file is empty";
  } else if (text[text.find_first_not_of(" \t\r\n")] == '{' && text[last] != '}') {
    why = fmt::format("the file is truncated ({} bytes, the JSON document is never closed)",
                      text.size());
  } else {
    if (parser_reason.starts_with(path.string() + ": ")) {
      parser_reason.erase(0, path.string().size() + 2);  // the file is named once, in front
    }
    if (const auto nl = parser_reason.find('\n'); nl != std::string::npos) {
      parser_reason.resize(nl);
    }
    if (parser_reason.size() > 200) parser_reason = parser_reason.substr(0, 197) + "...";
    why = parser_reason;
  }
  return Error{ErrorCode::kVerificationFailed,
               fmt::format("{}: not a manifest file: {}. Take the unit's manifest again from "
                           "the signer (hallmark-signer manifests)",
                           path.string(), why),
               0,
               {}};
}

Result<v1::ManifestFile> read_manifest_file(const std::filesystem::path& path) {
  auto bytes = fileio::read_file(path, kMaxManifestFileBytes);
  if (!bytes) return std::unexpected(std::move(bytes).error());
  const std::string text(as_chars(*bytes));
  auto file = parse_manifest_file_json(text, path.string());
  if (!file) return std::unexpected(not_a_manifest(path, text, std::move(file).error().message));
  return file;
}

void print_text(const ManifestOptions& options, const VerifiedManifest& v,
                const std::string& anchor, std::ostream& out) {
  const v1::ProvisioningManifest& m = v.manifest;
  out << fmt::format("OK: {} verified under {}\n", options.file.string(), anchor);
  out << fmt::format("serial        {}\n", m.serial());
  out << fmt::format("hardware id   {}\n", m.hardware_id());
  out << fmt::format("station       {}\n", v.station_id);
  out << fmt::format("station token {}\n", station_token_text(v.station->enrollment.enrollment));
  out << fmt::format("event         {} / {}\n", v1::Attestation::Event_Name(m.event()),
                     v1::Attestation::Result_Name(m.result()));
  out << fmt::format("event time    {}\n", format_utc(m.event_unix()));
  out << fmt::format("bundle        {}\n", to_hex(as_bytes(m.bundle_digest())));
  out << fmt::format("log index     {} of tree size {}\n", v.leaf_index, v.checkpoint.tree_size());
  out << fmt::format("checkpoint    {} ({})\n", format_utc(v.checkpoint.time_unix()),
                     to_hex(as_bytes(v.checkpoint.root_hash())));
  const evidence::EventAnswer answer = evidence::answer_of(v.attestation, m);
  out << fmt::format("who           {}\n", evidence::who_text(answer));
  if (!answer.why.empty()) out << fmt::format("why           {}\n", printable(answer.why));
  out << fmt::format("findings      {}\n", evidence::kinds_text(answer, ", "));
  for (const auto& finding : m.findings()) {
    out << fmt::format("  {}: {}\n", evidence::finding_kind_name(finding.kind()),
                       printable(finding.detail()));
  }
  for (const auto& note : v.station->revocation_notes) out << fmt::format("note          {}\n", note);
}

// The verified manifest as an auditor reads it: the attestation decoded beside the
// manifest (its envelope stays in the file), who, why and the findings by kind.
v1::LogEntryRecord record_of(const VerifiedManifest& v) {
  v1::LogEntryRecord record;
  record.set_log_index(v.leaf_index);
  *record.mutable_manifest() = v.manifest;
  record.mutable_manifest()->clear_attestation_envelope();
  *record.mutable_attestation() = v.attestation;
  record.mutable_attestation()->clear_signed_statement();
  const evidence::EventAnswer answer = evidence::answer_of(v.attestation, v.manifest);
  record.set_operator_name(answer.operator_name);
  record.set_supervisor_name(answer.supervisor_name);
  record.set_why(answer.why);
  for (const auto& kind : answer.finding_kinds) record.add_finding_kinds(kind);
  return record;
}

}  // namespace

void add_trust_root_flags(CLI::App& sub, TrustRootInputs& inputs, std::optional<int64_t>& at) {
  tool::add_trust_root_flags(sub, inputs, tool::TrustRootFlagUse::kPinned);
  tool::add_time_option(sub, "--at", at,
                        "check the trust root's validity at this time instead of now (ISO "
                        "8601 UTC, or Unix seconds)");
}

namespace {

// Runs `run` on every file of options.files in turn (a unit has one manifest per event, so
// SERIAL.*.manifest.json names several), printing each result. A failure is printed
// (naming its file) and the others still verified; the result is the first failure, with
// how many of the files failed. --json takes one file: its output is one JSON document.
Result<void> run_each(ManifestOptions& options,
                      Result<void> (*run)(const ManifestOptions&, std::ostream&),
                      std::ostream& out) {
  if (options.json && options.files.size() > 1) {
    return fail(ErrorCode::kUsage,
                fmt::format("--json verifies one manifest file at a time ({} given)",
                            options.files.size()));
  }
  std::optional<Error> first;
  std::size_t failed = 0;
  const std::vector<std::filesystem::path> files = options.files;
  for (const auto& file : files) {
    options.file = file;
    auto result = run(options, out);
    if (result) continue;
    ++failed;
    if (files.size() > 1) std::cerr << "FAILED: " << result.error().message << '\n';
    if (!first) first = std::move(result).error();
  }
  if (!first) return {};
  if (files.size() > 1) {
    first->message = fmt::format("{} of {} manifest files failed; the first: {}", failed,
                                 files.size(), first->message);
  }
  return std::unexpected(std::move(*first));
}

// A subcommand taking manifest files and the trust-root flags (`manifest`, `device`).
CLI::App* add_manifest_file_command(tool::CommandLine& command_line, ManifestOptions& options,
                                    const std::string& name, const std::string& description,
                                    Result<void> (*run)(const ManifestOptions&, std::ostream&)) {
  CLI::App* sub = command_line.add(command_line.app(), name, description,
                                   [&command_line, &options, run] {
                                     options.json = command_line.json();
                                     return run_each(options, run, std::cout);
                                   });
  sub->add_option("file", options.files,
                  "manifest files (ManifestFile, protobuf JSON): a unit's events, "
                  "SERIAL.*.manifest.json; each is verified on its own")
      ->required()
      ->type_name("FILE.manifest.json...");
  add_trust_root_flags(*sub, options.trust_root, options.at);
  return sub;
}

struct LoadedManifest {
  VerifiedManifest verified;
  std::string anchor;                // the anchor line, for the OK line
  std::string manufacturing_ca_der;  // of the newest trust root version
};

// The trust root loaded and the manifest file read and verified, errors naming the file.
Result<LoadedManifest> load_and_verify(const ManifestOptions& options) {
  auto root = load_trust_root(options.trust_root, options.at.value_or(unix_now()));
  if (!root) return std::unexpected(std::move(root).error());
  auto file = read_manifest_file(options.file);
  if (!file) return std::unexpected(std::move(file).error());
  auto verified = verify_manifest_file(*file, root->trust.root());
  if (!verified) return std::unexpected(std::move(verified).error().context(options.file.string()));
  return LoadedManifest{std::move(*verified), root->anchor_line(),
                        root->trust.root().current().manufacturing_ca_certificate_der()};
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
  const VerifiedManifest* verified = &loaded->verified;
  if (options.json) {
    // A revocation that leaves this evidence standing is said on stderr, beside the JSON.
    for (const auto& note : verified->station->revocation_notes) std::cerr << "note: " << note << '\n';
    const std::string json = tool::to_display_json(record_of(*verified));
    out << json << (json.ends_with('\n') ? "" : "\n");
  } else {
    print_text(options, *verified, loaded->anchor, out);
  }
  return {};
}

CLI::App* add_device_command(tool::CommandLine& command_line, ManifestOptions& options) {
  CLI::App* sub = add_manifest_file_command(
      command_line, options, "device",
      "Verify a unit's identity certificate from its manifest: the manifest as `manifest` "
      "does, then the certificate issued by the station's device-CA key to that serial",
      run_device);
  sub->add_option("--pem-out", options.pem_out,
                  "also write, once verified, SERIAL.pem, SERIAL.chain.pem (with the device-CA "
                  "and manufacturing-CA certificates), STATION.device-ca.pem and "
                  "manufacturing-ca.pem into DIR, for openssl verify and IoT registries")
      ->type_name("DIR");
  return sub;
}

Result<void> run_device(const ManifestOptions& options, std::ostream& out) {
  auto loaded = load_and_verify(options);
  if (!loaded) return std::unexpected(std::move(loaded).error());
  const VerifiedManifest* verified = &loaded->verified;
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
  if (!options.pem_out.empty()) {
    const auto& registration = station.registration;
    auto written = write_certificate_pems(
        CertificateChain{Serial(verified->manifest.serial()), verified->station_id,
                         to_bytes(a.device_certificate_der()),
                         to_bytes(registration.device_ca_certificate_der()),
                         to_bytes(loaded->manufacturing_ca_der)},
        options.pem_out);
    if (!written) return std::unexpected(std::move(written).error());
    for (const auto& path : *written) std::cerr << "wrote " << path.string() << '\n';
  }
  if (options.json) {
    const std::string json = tool::to_display_json(a);
    out << json << (json.ends_with('\n') ? "" : "\n");
    return {};
  }
  out << fmt::format("OK: {}: the device certificate of {} verified under {}\n",
                     options.file.string(), verified->manifest.serial(), loaded->anchor);
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

#include "verifier/cli/envelope_command.h"

#include <iostream>
#include <map>

#include <google/protobuf/util/json_util.h>

#include "hallmark/tool_output.pb.h"
#include "verifier/core/dsse.h"
#include "verifier/core/public_key.h"
#include "verifier/io/envelope_file.h"
#include "verifier/io/file_io.h"

namespace hallmark::verifier::cli {

namespace {

constexpr std::size_t kMaxPemFileBytes = 64 * 1024;

// key id → the PEM files that hold it (one key may be given twice).
using KeyFiles = std::map<std::string, std::vector<std::string>>;

std::string files_of(const KeyFiles& files, const std::string& key_id) {
  std::string out;
  if (auto it = files.find(key_id); it != files.end()) {
    for (const auto& f : it->second) out += (out.empty() ? "" : ", ") + f;
  }
  return out;
}

// Names the PEM file after each key id in a library message, for the person reading it.
std::string annotate(std::string message, const KeyFiles& files) {
  for (const auto& [id, names] : files) {
    const std::string with = id + " (" + files_of(files, id) + ")";
    for (auto pos = message.find(id); pos != std::string::npos;
         pos = message.find(id, pos + with.size())) {
      message.replace(pos, id.size(), with);
    }
  }
  return message;
}

struct Outcome {
  v1::EnvelopeVerification report;
  KeyFiles key_files;
};

Result<void> verify_files(const EnvelopeOptions& options, Outcome& outcome) {
  std::vector<PublicKey> trusted;
  for (const auto& path : options.keys) {
    auto pem = fileio::read_file(path, kMaxPemFileBytes);
    if (!pem) return std::unexpected(std::move(pem).error());
    auto key = PublicKey::from_pem(as_chars(*pem));
    if (!key) return std::unexpected(std::move(key).error().context(path.string()));
    outcome.key_files[key->key_id()].push_back(path.string());
    trusted.push_back(std::move(*key));
  }
  const std::string name = options.envelope.string();
  auto envelope = fileio::read_envelope(options.envelope);
  if (!envelope) return std::unexpected(std::move(envelope).error());
  outcome.report.set_signature_count(static_cast<std::uint32_t>(envelope->signatures_size()));
  auto verified = verify_envelope(*envelope, trusted, options.threshold, options.payload_type);
  if (!verified) {
    Error e = std::move(verified).error().context(name);
    e.message = annotate(std::move(e.message), outcome.key_files);
    return std::unexpected(std::move(e));
  }
  outcome.report.set_ok(true);
  outcome.report.set_payload_type(verified->payload_type);
  outcome.report.set_payload(std::string(as_chars(verified->payload)));
  for (const auto& id : verified->key_ids) outcome.report.add_verified_key_ids(id);
  return {};
}

void print_text(const EnvelopeOptions& options, const Outcome& outcome, std::ostream& out) {
  const auto& r = outcome.report;
  out << "OK: " << options.envelope.string() << " verified\n"
      << "payload type: " << r.payload_type() << "\n"
      << "signatures: " << r.signature_count() << ", threshold: " << r.threshold()
      << ", verified keys: " << r.verified_key_ids_size() << "\n";
  for (const auto& id : r.verified_key_ids()) {
    out << "  " << id << "  " << files_of(outcome.key_files, id) << "\n";
  }
}

void print_json(const v1::EnvelopeVerification& report, std::ostream& out) {
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.always_print_primitive_fields = true;
  json_options.add_whitespace = true;
  std::string text;
  (void)google::protobuf::util::MessageToJsonString(report, &text, json_options);
  out << text;
  if (text.empty() || text.back() != '\n') out << "\n";
}

}  // namespace

CLI::App* add_envelope_command(tool::CommandLine& command_line, EnvelopeOptions& options) {
  CLI::App* sub = command_line.add(
      command_line.app(), "envelope", "Verify a DSSE envelope against trusted public keys (PEM)",
      [&command_line, &options] {
        options.json = command_line.json();
        return run_envelope(options, std::cout);
      });
  sub->add_option("file", options.envelope, "DSSE envelope (JSON)")->required();
  sub->add_option("--key", options.keys, "trusted public key, PEM; repeat for more")
      ->required()
      ->type_name("PUB.pem");
  sub->add_option("--threshold", options.threshold,
                  "distinct trusted keys that must have signed (default 1)");
  sub->add_option("--payload-type", options.payload_type,
                  "refuse an envelope whose payloadType differs");
  return sub;
}

Result<void> run_envelope(const EnvelopeOptions& options, std::ostream& out) {
  Outcome outcome;
  outcome.report.set_threshold(options.threshold);
  auto result = verify_files(options, outcome);
  if (!result) outcome.report.set_error(result.error().message);
  if (options.json) {
    print_json(outcome.report, out);
  } else if (result) {
    print_text(options, outcome, out);
  }
  return result;
}

}  // namespace hallmark::verifier::cli

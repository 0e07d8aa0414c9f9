#include "verifier/cli/transcript_command.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <iostream>

#include "verifier/core/dsse.h"
#include "verifier/core/public_key.h"
#include "verifier/io/envelope_file.h"
#include "verifier/io/file_io.h"
#include "verifier/trust/transcript.h"
#include "verifier/tool/command_line.h"
#include "verifier/tool/display_json.h"
#include "verifier/tool/trust_root_flags.h"

namespace hallmark::verifier::cli {

namespace {

constexpr std::size_t kMaxPemFileBytes = 64 * 1024;

Result<std::vector<PublicKey>> read_keys(const std::vector<std::filesystem::path>& paths) {
  std::vector<PublicKey> keys;
  for (const auto& path : paths) {
    auto pem = fileio::read_file(path, kMaxPemFileBytes);
    if (!pem) return std::unexpected(std::move(pem).error());
    auto key = PublicKey::from_pem(as_chars(*pem));
    if (!key) return std::unexpected(std::move(key).error().context(path.string()));
    keys.push_back(std::move(*key));
  }
  return keys;
}

// Errors of the trust root or key files name those files; the transcript's own, the transcript.
// `under` says what it verified under (the anchor, or the keys given).
Result<VerifiedTranscript> verify_file(const TranscriptOptions& options,
                                       const v1::Envelope& envelope, std::string& under) {
  const std::string name = options.transcript.string();
  Result<VerifiedTranscript> verified;
  if (!options.trust_root.chain.empty()) {
    auto root = load_trust_root(options.trust_root, options.at.value_or(unix_now()));
    if (!root) return std::unexpected(std::move(root).error());
    under = root->anchor_line();
    verified = verify_transcript(envelope, root->trust.root());
  } else {
    under = "the --key public keys given";
    auto keys = read_keys(options.keys);
    if (!keys) return std::unexpected(std::move(keys).error());
    verified = verify_transcript(envelope, *keys, options.threshold);
  }
  if (!verified) return std::unexpected(std::move(verified).error().context(name));
  return verified;
}

void add_strings(google::protobuf::Struct& s, const std::string& name,
                 const std::vector<std::string>& values) {
  auto* list = (*s.mutable_fields())[name].mutable_list_value();
  for (const auto& v : values) list->add_values()->set_string_value(v);
}

// The transcript with its entries decoded (protobuf JSON mapping of each TranscriptEntry).
Result<std::string> to_json(const VerifiedTranscript& verified) {
  const v1::CeremonyTranscript& t = verified.transcript;
  google::protobuf::Struct report;
  auto& fields = *report.mutable_fields();
  fields["ok"].set_bool_value(true);
  fields["ceremony"].set_string_value(t.ceremony());
  fields["planDigest"].set_string_value(t.plan_digest());
  fields["resultDigest"].set_string_value(to_hex(as_bytes(t.result_digest())));
  auto* entries = fields["entries"].mutable_list_value();
  for (const auto& entry : verified.entries) {
    google::protobuf::Value value;
    const auto status = google::protobuf::util::JsonStringToMessage(tool::to_display_json(entry), &value);
    if (!status.ok()) {
      return fail(ErrorCode::kInternal, "cannot convert a transcript entry to JSON");
    }
    *entries->add_values() = std::move(value);
  }
  add_strings(report, "signerKeyIds", verified.signer_key_ids);
  add_strings(report, "signerIdentities", verified.signer_identities);
  return tool::to_display_json(report);
}

}  // namespace

CLI::App* add_transcript_command(tool::CommandLine& command_line, TranscriptOptions& options) {
  CLI::App* sub =
      command_line.add(command_line.app(), "transcript",
                       "Verify a ceremony transcript (signatures and hash chain) and print it",
                       [&command_line, &options] {
                         options.json = command_line.json();
                         return run_transcript(options, std::cout);
                       });
  sub->add_option("file", options.transcript, "transcript envelope (JSON)")->required();
  // The trust root is optional here (--key instead); its root role must have signed.
  auto* root = tool::add_trust_root_flags(*sub, options.trust_root,
                                          tool::TrustRootFlagUse::kPinned)
                   ->required(false);
  sub->get_option("--pin-digest")->needs(root);
  sub->get_option("--revocation")->needs(root);
  auto* key = sub->add_option("--key", options.keys,
                              "public key (PEM) of a signer, for a transcript without a trust "
                              "root; repeat for more")
                  ->type_name("PUB.pem")
                  ->excludes(root);
  auto* threshold =
      sub->add_option("--threshold", options.threshold, "distinct --key keys that must have signed")
          ->needs(key);
  key->needs(threshold);
  tool::add_time_option(*sub, "--at", options.at,
                        "check the trust root's validity at this time instead of now (ISO 8601 UTC, or Unix "
                        "seconds)");
  return sub;
}

Result<void> run_transcript(const TranscriptOptions& options, std::ostream& out) {
  if (options.trust_root.chain.empty() == options.keys.empty()) {
    return fail(ErrorCode::kUsage,
                "give either --trust-root FILE... or --key PEM... with --threshold K");
  }
  const std::string name = options.transcript.string();
  auto envelope = fileio::read_envelope(options.transcript);
  if (!envelope) return std::unexpected(std::move(envelope).error());
  std::string under;
  auto verified = verify_file(options, *envelope, under);
  if (!verified) return std::unexpected(std::move(verified).error());
  if (options.json) {
    auto text = to_json(*verified);
    if (!text) return std::unexpected(std::move(text).error());
    out << *text << (text->ends_with('\n') ? "" : "\n");
  } else {
    out << "OK: " << name << " verified under " << under << "\n" << render_transcript(*verified);
  }
  return {};
}

}  // namespace hallmark::verifier::cli

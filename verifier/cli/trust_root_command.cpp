#include "verifier/cli/trust_root_command.h"

#include <chrono>
#include <iostream>

#include "verifier/core/dsse.h"
#include "verifier/io/file_io.h"
#include "verifier/trust/transcript.h"

namespace hallmark::verifier::cli {

namespace {

Result<v1::Envelope> read_envelope(const std::filesystem::path& path) {
  auto json = fileio::read_file(path, kMaxEnvelopeBytes);
  if (!json) return std::unexpected(std::move(json).error());
  auto envelope = parse_envelope_json(as_chars(*json));
  if (!envelope) return std::unexpected(std::move(envelope).error().context(path.string()));
  return envelope;
}

std::string holder(const v1::TrustRoot& root, const std::string& key_id) {
  for (const auto& c : root.custodians()) {
    for (const auto& id : c.key_ids()) {
      if (id == key_id) return " (custodian " + c.name() + ")";
    }
  }
  return "";
}

void print_text(const TrustRootOptions& options, const TrustedRoot& trusted, std::ostream& out) {
  const v1::TrustRoot& root = trusted.current();
  out << "OK: trust root chain of " << options.inputs.chain.size() << " file(s) verified";
  if (!options.inputs.revocations.empty()) {
    out << ", " << options.inputs.revocations.size() << " revocation(s) applied";
  }
  out << "\nversion: " << root.version() << "\n"
      << "digest: " << trusted.current_digest().hex() << "\n"
      << "issued: " << format_utc(root.issued_unix()) << "\n"
      << "expires: " << format_utc(root.expires_unix()) << "\n"
      << "roles:\n";
  for (const auto& role : root.roles()) {
    out << "  " << v1::Role_Name(role.role()) << ": threshold " << role.threshold() << " of "
        << role.key_ids_size() << " key(s)\n";
    for (const auto& id : role.key_ids()) {
      out << "    " << id << holder(root, id) << (trusted.key_revoked(id) ? " REVOKED" : "")
          << "\n";
    }
  }
  out << "custodians:\n";
  for (const auto& c : root.custodians()) {
    out << "  " << c.name() << (trusted.custodian_revoked(c.name()) ? " REVOKED" : "");
    if (!c.card().label().empty() || !c.card().serial().empty()) {
      out << " (card \"" << c.card().label() << "\", serial \"" << c.card().serial() << "\")";
    }
    out << "\n";
    for (const auto& id : c.key_ids()) out << "    " << id << "\n";
  }
}

}  // namespace

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<TrustedRoot> load_trust_root(const TrustRootInputs& inputs, int64_t now_unix) {
  if (inputs.chain.empty()) return fail(ErrorCode::kUsage, "no trust root file given");
  std::optional<Digest> pin;
  if (!inputs.pin_digest.empty()) {
    auto parsed = Digest::from_hex(inputs.pin_digest);
    if (!parsed) {
      return fail(ErrorCode::kUsage,
                  "--pin-digest must be 64 hex digits (the SHA-256 of the anchor's payload)");
    }
    pin = *parsed;
  }
  const auto& anchor_path = inputs.chain.front();
  auto anchor = read_envelope(anchor_path);
  if (!anchor) return std::unexpected(std::move(anchor).error());
  auto root = TrustedRoot::from_anchor(*anchor, pin);
  if (!root) return std::unexpected(std::move(root).error().context(anchor_path.string()));
  for (std::size_t i = 1; i < inputs.chain.size(); ++i) {
    auto next = read_envelope(inputs.chain[i]);
    if (!next) return std::unexpected(std::move(next).error());
    if (auto ok = root->update(*next); !ok) {
      return std::unexpected(std::move(ok).error().context(inputs.chain[i].string()));
    }
  }
  for (const auto& path : inputs.revocations) {
    auto revocation = read_envelope(path);
    if (!revocation) return std::unexpected(std::move(revocation).error());
    if (auto ok = root->add_revocation(*revocation); !ok) {
      return std::unexpected(std::move(ok).error().context(path.string()));
    }
  }
  if (auto fresh = root->check_fresh(now_unix); !fresh) {
    return std::unexpected(std::move(fresh).error().context(inputs.chain.back().string()));
  }
  return root;
}

CLI::App* add_trust_root_command(tool::CommandLine& command_line, TrustRootOptions& options) {
  CLI::App* sub = command_line.add(
      command_line.app(), "trust-root",
      "Verify a trust root chain (anchor first: v1 v2 ... vN) and print the newest version",
      [&command_line, &options] {
        options.json = command_line.json();
        return run_trust_root(options, std::cout);
      });
  sub->add_option("files", options.inputs.chain, "trust root envelopes, anchor first")
      ->required()
      ->type_name("TRUST_ROOT.json");
  sub->add_option("--pin-digest", options.inputs.pin_digest,
                  "hex SHA-256 of the anchor's payload, obtained out of band");
  sub->add_option("--revocation", options.inputs.revocations,
                  "revocation envelope to apply; repeat for more")
      ->type_name("FILE");
  sub->add_option_function<int64_t>(
         "--at", [&options](const int64_t& t) { options.at = t; },
         "check validity at this UNIX time instead of now")
      ->type_name("UNIX_TIME");
  return sub;
}

Result<void> run_trust_root(const TrustRootOptions& options, std::ostream& out) {
  auto root = load_trust_root(options.inputs, options.at.value_or(unix_now()));
  if (!root) return std::unexpected(std::move(root).error());
  if (options.json) {
    const std::string json = tool::to_json(root->current());
    out << json << (json.ends_with('\n') ? "" : "\n");
  } else {
    print_text(options, *root, out);
  }
  return {};
}

}  // namespace hallmark::verifier::cli

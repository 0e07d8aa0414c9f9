#include "verifier/cli/trust_root_command.h"

#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "verifier/core/dsse.h"
#include "verifier/io/envelope_file.h"
#include "verifier/io/file_io.h"
#include "verifier/trust/transcript.h"
#include "verifier/tool/command_line.h"
#include "verifier/tool/display_json.h"

namespace hallmark::verifier::cli {

namespace {

using fileio::read_envelope;

std::string holder(const v1::TrustRoot& root, const std::string& key_id) {
  for (const auto& c : root.custodians()) {
    for (const auto& id : c.key_ids()) {
      if (id == key_id) return " (custodian " + c.name() + ")";
    }
  }
  return "";
}

void print_text(const TrustRootOptions& options, const LoadedTrust& loaded, std::ostream& out) {
  const TrustedRoot& trusted = loaded.trust.root();
  const v1::TrustRoot& root = trusted.current();
  out << "OK: trust root chain of " << options.inputs.chain.size() << " file(s) verified";
  if (!options.inputs.revocations.empty()) {
    out << ", " << options.inputs.revocations.size() << " revocation(s) applied";
  }
  out << ", under " << loaded.anchor_line();
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
  // What is revoked, from when and why: one block per revocation applied.
  if (!loaded.trust.revocations().empty()) out << "revocations:\n";
  for (const auto& applied : loaded.trust.revocations()) {
    const v1::Revocation& r = applied.revocation;
    out << "  " << applied.name << " (payload SHA-256 " << applied.digest.hex() << ")\n"
        << "    issued     " << format_utc(r.issued_unix()) << " under trust root v"
        << r.trust_root_version() << "\n"
        << "    effective  " << revoked_since_text(r.effective_unix())
        << (r.effective_unix() == 0 ? ": all evidence of what it names is refused"
                                    : ": evidence countersigned before then still verifies")
        << "\n"
        << "    reason     " << (r.reason().empty() ? "(none given)" : r.reason()) << "\n";
    for (const auto& id : r.key_ids()) out << "    key        " << id << holder(root, id) << "\n";
    for (const auto& name : r.custodians()) out << "    custodian  " << name << "\n";
    for (const auto& id : r.station_ids()) out << "    station    " << id << "\n";
    for (const auto& d : r.bundle_digests()) out << "    bundle     " << to_hex(as_bytes(d)) << "\n";
  }
}

}  // namespace

std::string LoadedTrust::anchor_line() const {
  return "trust root anchor " + trust.anchor_digest().hex() + " (pinned by " + pinned_by + ")";
}

namespace {

// The installed pin: $HALLMARK_ANCHOR names the file, else the default file if it exists.
Result<std::optional<std::pair<Digest, std::string>>> installed_pin() {
  std::filesystem::path file = kDefaultAnchorFile;
  const char* env = std::getenv(kAnchorEnv);
  const bool from_env = env != nullptr && *env != '\0';
  if (from_env) {
    file = env;
  } else {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
      return std::optional<std::pair<Digest, std::string>>{};
    }
  }
  auto bytes = fileio::read_file(file, 256);
  if (!bytes) {
    return std::unexpected(std::move(bytes).error().context(
        from_env ? std::string("$") + kAnchorEnv + " names the anchor file" : "the anchor file"));
  }
  std::string text(as_chars(*bytes));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) {
    text.pop_back();
  }
  auto digest = Digest::from_hex(text);
  if (!digest) {
    return fail(ErrorCode::kUsage,
                file.string() + " does not hold an anchor digest (64 hex digits, the SHA-256 of "
                                "trust-root-v1.json's payload): install it again");
  }
  return std::optional<std::pair<Digest, std::string>>{std::pair{*digest, file.string()}};
}

}  // namespace

Result<LoadedTrust> load_trust_root(const TrustRootInputs& inputs, int64_t now_unix) {
  if (inputs.chain.empty()) return fail(ErrorCode::kUsage, "no trust root file given");
  TrustInputs request;
  request.now_unix = now_unix;
  for (const auto& path : inputs.chain) {
    auto envelope = read_envelope(path);
    if (!envelope) return std::unexpected(std::move(envelope).error());
    request.chain.push_back({path.string(), std::move(*envelope)});
  }
  for (const auto& path : inputs.revocations) {
    auto envelope = read_envelope(path);
    if (!envelope) return std::unexpected(std::move(envelope).error());
    request.revocations.push_back({path.string(), std::move(*envelope)});
  }
  std::string pinned_by;
  if (!inputs.pin_digest.empty()) {
    auto parsed = Digest::from_hex(inputs.pin_digest);
    if (!parsed) {
      return fail(ErrorCode::kUsage,
                  "--pin-digest must be 64 hex digits (the SHA-256 of the anchor's payload)");
    }
    request.anchor = AnchorPin::digest(*parsed);
    pinned_by = "--pin-digest";
  } else {
    auto installed = installed_pin();
    if (!installed) return std::unexpected(std::move(installed).error());
    if (!*installed) {
      auto digest = anchor_digest_of(request.chain.front().envelope);
      const std::string hex = digest ? digest->hex() : "?";
      return fail(ErrorCode::kPolicyRefused,
                  fmt::format("{}: the trust root anchor is not pinned, and a self-signed trust "
                              "root proves nothing by itself. Its digest is {} — compare it "
                              "with the digest read out at the init ceremony, through a channel "
                              "you trust (not the medium that brought this file). If they "
                              "match, pin it: give --pin-digest {} or install it once: "
                              "echo {} > {} (or name such a file in ${})",
                              request.chain.front().name, hex, hex, hex, kDefaultAnchorFile,
                              kAnchorEnv));
    }
    request.anchor = AnchorPin::digest((*installed)->first);
    pinned_by = (*installed)->second;
  }
  auto trust = load_trust(std::move(request));
  if (!trust) return std::unexpected(std::move(trust).error());
  return LoadedTrust{std::move(*trust), std::move(pinned_by)};
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
  tool::add_time_option(*sub, "--at", options.at,
                        "check validity at this time instead of now (ISO 8601 UTC, or Unix "
                        "seconds)");
  return sub;
}

Result<void> run_trust_root(const TrustRootOptions& options, std::ostream& out) {
  auto root = load_trust_root(options.inputs, options.at.value_or(unix_now()));
  if (!root) return std::unexpected(std::move(root).error());
  if (options.json) {
    const std::string json = tool::to_display_json(root->trust.root().current());
    out << json << (json.ends_with('\n') ? "" : "\n");
  } else {
    print_text(options, *root, out);
  }
  return {};
}

}  // namespace hallmark::verifier::cli

#include "station-agent/cli/state_commands.h"
#include "station-agent/cli/station_token.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hsm-profiles/cli/token_options.h"
#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/token_key.h"
#include "station-agent/station/intake.h"
#include "station-agent/station/station_state.h"
#include "verifier/tool/display_json.h"
#include "verifier/tool/trust_root_flags.h"
#include "verifier/io/clock.h"
#include "verifier/io/envelope_file.h"

namespace hallmark::station {
namespace {

struct InstallOptions {
  hsm::TokenOptions token;
  std::string registration;
  tool::TrustRootFlags trust;  // --trust-root
  std::string station_id;
  std::string state = kDefaultStateDir;
};

Result<void> run_install(const InstallOptions& o, bool json) {
  auto registration = read_envelope(o.registration);
  if (!registration) return std::unexpected(registration.error());
  auto chain = fileio::read_envelopes(o.trust.chain);
  if (!chain) return std::unexpected(chain.error());
  InstallInput input{&*registration, *chain, o.station_id, {}, unix_now()};
  if (!o.token.uri.empty()) {
    auto token = hsm::open_token(o.token, true, std::cerr);
    if (!token) return std::unexpected(token.error());
    auto station_key = find_labelled_key(token->session, kStationKeyLabel);
    if (!station_key) return std::unexpected(station_key.error());
    auto device_ca_key = find_labelled_key(token->session, kDeviceCaKeyLabel);
    if (!device_ca_key) return std::unexpected(device_ca_key.error());
    input.token_keys = StationKeyIds{station_key->key_id(), device_ca_key->key_id()};
  }
  auto station = install_registration(o.state, input);
  if (!station) return std::unexpected(station.error());
  auto trust = load_station_trust(o.state, input.now_unix);
  if (!trust) return std::unexpected(trust.error());
  // With --json the report goes to stderr and stdout holds only the registration.
  std::ostream& report = json ? std::cerr : std::cout;
  report << fmt::format("station id          {}\n", station->registration.station_id());
  report << fmt::format("station key         {}\n", station->enrollment.station_key.key_id());
  report << fmt::format("device-CA key       {}\n", station->enrollment.device_ca_key.key_id());
  report << fmt::format("token keys checked  {}\n", input.token_keys ? "yes" : "no (no --token)");
  report << fmt::format("trust root          version {} (pinned anchor {} in {}/trust-root)\n",
                        trust->root().version(), trust->anchor_digest().hex(), o.state);
  report << fmt::format("registration        {}/registration.json\n", o.state);
  if (json) std::cout << tool::to_display_json(station->registration) << '\n';
  return {};
}

struct IntakeOptions {
  std::string bundle;
  std::string state = kDefaultStateDir;
  std::vector<std::string> revocations;
};

Result<std::vector<verifier::TrustDocument>> read_revocations(
    const std::vector<std::string>& files) {
  std::vector<verifier::TrustDocument> out;
  for (const auto& file : files) {
    auto envelope = read_envelope(file);
    if (!envelope) return std::unexpected(envelope.error());
    out.push_back({file, std::move(*envelope)});
  }
  return out;
}

Result<void> run_intake(const IntakeOptions& o, bool json) {
  if (auto ok = require_state_dir(o.state); !ok) return std::unexpected(ok.error());
  auto revocations = read_revocations(o.revocations);
  if (!revocations) return std::unexpected(revocations.error());
  auto result = intake_bundle(o.state, o.bundle, *revocations, unix_now());
  if (!result) return std::unexpected(result.error());
  const auto& r = result->release.release;
  std::ostream& report = json ? std::cerr : std::cout;
  report << fmt::format("{}           SKU {} version {} security counter {}\n",
                        result->already_accepted ? "already accepted" : "accepted", r.sku(),
                        r.version(), r.security_counter());
  report << fmt::format("bundle digest      {}\n", result->release.bundle_digest.hex());
  report << fmt::format("file SHA-256       {}\n", result->file_sha256.hex());
  report << fmt::format("cached (read-only) {}\n", result->cached.string());
  if (json) {
    // The ledger's own entry (re-hashed against the cached copy), first or repeated intake.
    auto accepted = recheck_cached(o.state, result->release.bundle_digest);
    if (!accepted) return std::unexpected(accepted.error());
    std::cout << tool::to_display_json(*accepted) << '\n';
  }
  return {};
}

struct RevocationOptions {
  LineCliOptions line;
  std::string file;
};

Result<void> run_install_revocation(const RevocationOptions& o) {
  auto revocation = read_revocations({o.file});
  if (!revocation) return std::unexpected(revocation.error());
  auto opened = open_line(o.line, std::cerr);
  if (!opened) return std::unexpected(opened.error());
  auto& line = (*opened)->line();
  auto record = line.install_revocation(revocation->front());
  if (!record) return std::unexpected(record.error());
  const auto digest = verifier::sha256(as_bytes(revocation->front().envelope.payload()));
  std::cout << fmt::format("revocation         {} (payload SHA-256 {})\n", o.file,
                           digest ? digest->hex() : "?");
  if (*record) {
    std::cout << fmt::format("in force           stored in {} and journaled as record {}\n",
                             revocations_dir(o.line.state).string(), **record);
  } else {
    std::cout << "in force           already (stored and journaled before)\n";
  }
  if (auto ok = line.refuse_revoked(std::nullopt); !ok) {
    std::cout << fmt::format("this station       {}: no unit may be programmed here\n",
                             ok.error().message);
  }
  return {};
}

}  // namespace

void add_install_revocation_command(tool::CommandLine& cli) {
  auto o = std::make_shared<RevocationOptions>();
  auto* cmd = cli.add(cli.app(), "install-revocation",
                      "Verify a root-signed revocation under the pinned trust root, keep it in "
                      "the state directory for good and record it in the journal",
                      [o] { return run_install_revocation(*o); });
  cmd->add_option("file", o->file, "The signed revocation (JSON)")->required();
  add_line_options(*cmd, o->line);
}

void add_install_registration_command(tool::CommandLine& cli) {
  auto o = std::make_shared<InstallOptions>();
  auto* cmd = cli.add(cli.app(), "install-registration",
                      "Verify the signed station registration, pin the trust root it was made "
                      "under (once) and store both in the station's state directory",
                      [o, &cli] { return run_install(*o, cli.json()); });
  cmd->add_option("--registration", o->registration, "The signed station registration (JSON)")
      ->required();
  tool::add_trust_root_flags(*cmd, o->trust, tool::TrustRootFlagUse::kStationInstall);
  cmd->add_option("--station-id", o->station_id, "This station's id, as enrolled")->required();
  cmd->add_option("--state", o->state, "State directory")->capture_default_str();
  hsm::add_token_options(*cmd, o->token, "--token",
                         "pkcs11: URI of the station's token: its keys must be the registered "
                         "ones (optional)",
                         hsm::TokenUse::kAdministration);
  cmd->get_option("--token")->required(false);
}

void add_intake_command(tool::CommandLine& cli) {
  auto o = std::make_shared<IntakeOptions>();
  auto* cmd = cli.add(cli.app(), "intake",
                      "Verify a promoted bundle under the pinned trust root and station policy "
                      "and stage it read-only in the cache",
                      [o, &cli] { return run_intake(*o, cli.json()); });
  cmd->add_option("bundle", o->bundle, "The promoted bundle file")->required();
  cmd->add_option("--state", o->state, "State directory")->capture_default_str();
  cmd->add_option("--revocation", o->revocations,
                  "Signed revocation to apply and keep (repeatable; stored in the state "
                  "directory and journaled at the next open of the line)");
}

}  // namespace hallmark::station

#include "station-agent/cli/station_token.h"

#include <filesystem>
#include <ostream>
#include <utility>

#include <fmt/format.h>

#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/profile/production_signer.h"
#include "verifier/io/clock.h"

namespace hallmark::station {

Result<hsm::TokenKey> find_labelled_key(hsm::Session& session, const std::string& label) {
  hsm::AttributeTemplate match;
  match.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_text(CKA_LABEL, label);
  auto found = hsm::find_objects(session, match, 2);
  if (!found) return std::unexpected(found.error());
  if (found->size() != 1) {
    return fail(ErrorCode::kToken,
                fmt::format("token '{}' holds {} private keys labelled '{}', expected exactly "
                            "one: is this the station's enrolled token (hallmark-station enroll)?",
                            session.token_label(), found->size(), label));
  }
  return hsm::TokenKey::from_handle(session, found->front());
}

Result<void> require_state_dir(const std::string& state) {
  std::error_code ec;
  if (std::filesystem::is_directory(state, ec)) return {};
  return fail(ErrorCode::kIo,
              fmt::format("station state directory {} {}: give this station's state with "
                          "--state (only install-registration makes a new one)",
                          state,
                          std::filesystem::exists(state, ec) ? "is not a directory"
                                                             : "does not exist"));
}

Result<std::string> installed_station_id(const std::string& state) {
  if (auto ok = require_state_dir(state); !ok) return std::unexpected(ok.error());
  const auto now = unix_now();
  auto trust = load_station_trust(state, now, {}, StoredRevocations::kLeaveOut);
  if (!trust) return std::unexpected(trust.error());
  auto station = load_registration(state, trust->root(), now);
  if (!station) return std::unexpected(station.error());
  return station->enrollment.enrollment.station_id();
}

void add_line_options(CLI::App& cmd, LineCliOptions& options) {
  hsm::add_token_options(cmd, options.token, "--token", "pkcs11: URI of the station's token");
  cmd.add_option("--state", options.state, "The station's state directory")
      ->capture_default_str();
}

Result<std::unique_ptr<OpenedLine>> open_line(const LineCliOptions& o, std::ostream& status) {
  if (auto ok = require_state_dir(o.state); !ok) return std::unexpected(ok.error());
  auto opened = std::unique_ptr<OpenedLine>(new OpenedLine());
  auto token = hsm::open_token(o.token, true, status);
  if (!token) return std::unexpected(token.error());
  opened->token_ = std::make_unique<hsm::OpenedToken>(std::move(*token));
  auto& session = opened->token_->session;

  auto station_key = find_labelled_key(session, kStationKeyLabel);
  if (!station_key) return std::unexpected(station_key.error());
  auto ca_key = find_labelled_key(session, kDeviceCaKeyLabel);
  if (!ca_key) return std::unexpected(ca_key.error());
  const std::string prompt = "PIN for this signature on '" + session.token_label() + "': ";
  // ProductionSigner::create() refuses a key that is or was extractable (or imported
  // without the profile's consent); StationLine::open() then checks both are the
  // registered ones.
  auto station = hsm::ProductionSigner::create(session, std::move(*station_key),
                                               opened->token_->profile,
                                               hsm::ProductionRole::kStation,
                                               hsm::pin_callback(o.token, prompt));
  if (!station) return std::unexpected(station.error());
  // The certificate issuer (StationKeys) verifies every device certificate too; the token
  // signer checks first so a token that signs wrongly is named, with its key, as a token
  // fault (one P-256 verify, well under a millisecond a unit).
  auto ca = hsm::ProductionSigner::create(session, std::move(*ca_key), opened->token_->profile,
                                          hsm::ProductionRole::kDeviceCa,
                                          hsm::pin_callback(o.token, prompt));
  if (!ca) return std::unexpected(ca.error());
  auto keys = StationKeys::from_signers(*station, *ca);
  if (!keys) return std::unexpected(keys.error());

  auto software = running_software_sha256();
  if (!software) return std::unexpected(software.error());
  LineOptions options{.dir = o.state,
                      .keys = std::move(*keys),
                      .software_sha256 = *software,
                      .now = {},
                      .read_clock = {}};
  auto line = StationLine::open(std::move(options));
  if (!line) return std::unexpected(line.error());
  opened->line_.emplace(std::move(*line));
  // A snapshot that did not verify or match is never used (the journal was replayed in
  // full), but someone or something changed the state directory: say so.
  if (const auto& note = opened->line_->snapshot_note(); note.find("ignored") != std::string::npos) {
    status << "WARNING: " << note << "; the whole journal was replayed instead\n";
  }
  if (const auto& torn = opened->line_->recovered_tail()) {
    status << fmt::format("JOURNAL REPAIRED: {} ended in a torn write (the station stopped in "
                          "the middle of a record): cut {} bytes at offset {} ({}); the repair "
                          "is journal record {} (JOURNAL_REPAIRED) and goes to the signer with "
                          "the next export\n",
                          journal_file(o.state).string(), torn->bytes, torn->offset,
                          torn->reason, opened->line_->repair_sequence().value_or(0));
  }
  return opened;
}

}  // namespace hallmark::station

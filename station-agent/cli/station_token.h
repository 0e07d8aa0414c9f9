// The station's own token at the command line: its two keys (labelled "station" and
// "device-ca" by `hallmark-station enroll`), and the programming line opened with them.
//
// open_line() logs in, finds both keys, opens each as a production signer for its role
// (hsm::ProductionSigner::create applies the provenance rule) and opens the StationLine with
// them (the line then checks they are the registered ones and replays the journal). Never
// reads key material. Not thread-safe.
#pragma once

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <memory>
#include <string>

#include "hsm-profiles/cli/token_options.h"
#include "hsm-profiles/src/session.h"
#include "hsm-profiles/src/token_key.h"
#include "station-agent/station/station_line.h"
#include "station-agent/station/station_state.h"

namespace hallmark::station {

inline constexpr const char* kStationKeyLabel = "station";
inline constexpr const char* kDeviceCaKeyLabel = "device-ca";

// The one private key labelled `label` on the token; kToken naming the token otherwise.
[[nodiscard]] Result<hsm::TokenKey> find_labelled_key(hsm::Session& session,
                                                      const std::string& label);

// The station's state directory exists. Only install-registration makes one: any other
// command given a missing --state (a typo, another mount) is refused here, before a PIN is
// asked, with kIo naming the directory — never sent on to "run install-registration", which
// would start a second station state.
[[nodiscard]] Result<void> require_state_dir(const std::string& state);

// The station id of the registration installed in `state` (identified under the pinned
// chain; revocations are not applied, so a revoked station still exports its journal).
[[nodiscard]] Result<std::string> installed_station_id(const std::string& state);

struct LineCliOptions {
  hsm::TokenOptions token;
  std::string state = kDefaultStateDir;
};

// --token/--profile/--module/--pin for the station token and --state.
void add_line_options(CLI::App& cmd, LineCliOptions& options);

// The line and the token it signs with. The line's signing callbacks own their
// TokenSigners, which share the token's session (Session::share): nothing here depends on
// the order members are destroyed in.
class OpenedLine {
 public:
  StationLine& line() { return *line_; }

 private:
  friend Result<std::unique_ptr<OpenedLine>> open_line(const LineCliOptions&, std::ostream&);
  OpenedLine() = default;
  std::unique_ptr<hsm::OpenedToken> token_;
  std::optional<StationLine> line_;
};

// Opens the line on the station token (PIN asked once, status on `status`).
[[nodiscard]] Result<std::unique_ptr<OpenedLine>> open_line(const LineCliOptions& options,
                                                            std::ostream& status);

}  // namespace hallmark::station

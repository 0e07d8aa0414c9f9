// StationHistory: the state of a station's line as its journal tells it — who may work
// here (the roster), who is logged in, whether the line is stopped, and which serial is
// bound to which hardware id.
//
// The journal is the one source of truth: every event (unit programmed, rework, scrap, line
// stop, break-glass, session start and end, take-over, roster installed) is a station-signed
// Attestation in it, and this state is nothing but a replay of those events. There is no
// second file that could disagree with the journal after a crash: an event either reached
// the journal (and counts) or did not. A state snapshot (station_snapshot.h) is a signed
// cache of this replay at one record, bound to it by its chain hash; restore() +
// replay_after() give the same history as replay() without reading what is before it.
//
// The station's own signature is not enough: whoever holds the station token can sign any
// event. So replay() checks that each event was signed for the record that holds it
// (monotonic_counter = the record's sequence: a copied record is refused), and apply()
// re-verifies what people signed: the roster in force is a signer-issued PersonRoster
// (root quorum of the pinned trust root, never rolled back), a session start is the
// card-signed session of a person on it (each session statement used once), every other
// event names the session open when it was made (or none), and a break-glass is a
// supervisor's card-signed release of exactly the line stop in force.
// apply() keeps an open history in step after an append. Never signs, never touches a
// device. Not thread-safe: one history per journal.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/station.pb.h"
#include "station-agent/journal/journal.h"
#include "station-agent/station/unit_index.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"
#include "verifier/people/roster.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::station {

struct LineStop {
  std::uint64_t sequence = 0;  // the LINE_STOP record
  std::string cause;
};

struct ActiveSession {
  std::string id;  // session_id() of the operator's signed OperatorSession
  std::string operator_name;
  std::string operator_key_id;
  std::int64_t started_unix = 0;
};

// Events counted per kind, for status and the shift counters.
struct EventCounts {
  std::uint64_t passed = 0;
  std::uint64_t failed = 0;
  std::uint64_t reworked = 0;
  std::uint64_t scrapped = 0;
  std::uint64_t line_stops = 0;
  std::uint64_t break_glasses = 0;
};

class StationHistory {
 public:
  // Reads every record of `journal`, checks each event's signature by `station_key`, its
  // station id and that it was signed for that record, and applies it (person statements
  // and rosters checked against `root`). kVerificationFailed names the record at fault.
  [[nodiscard]] static Result<StationHistory> replay(const Journal& journal,
                                                     const verifier::PublicKey& station_key,
                                                     const verifier::TrustedRoot& root);

  // The history a verified snapshot (station_snapshot.h) holds, its unit buckets in
  // `snapshot_dir`. The person roster it names is verified again under `root` (a snapshot
  // never installs a roster the root did not sign).
  [[nodiscard]] static Result<StationHistory> restore(const v1::StationSnapshot& snapshot,
                                                      const std::filesystem::path& snapshot_dir,
                                                      const verifier::TrustedRoot& root);
  // Replays the records of `journal` after record `after` onto this history (the checks of
  // replay()); the number of records replayed.
  [[nodiscard]] Result<std::uint64_t> replay_after(const Journal& journal, std::uint64_t after,
                                                   const verifier::PublicKey& station_key,
                                                   const verifier::TrustedRoot& root);
  // This history as a snapshot (head fields left for the caller); writes the changed unit
  // buckets into `snapshot_dir` first.
  [[nodiscard]] Result<v1::StationSnapshot> snapshot(const std::filesystem::path& snapshot_dir);

  // Applies one event (already signed and appended as record `sequence`).
  [[nodiscard]] Result<void> apply(std::uint64_t sequence, const v1::Attestation& event,
                                   const verifier::TrustedRoot& root);

  // The person roster in force here (nullptr before the first one is installed).
  [[nodiscard]] const people::VerifiedRoster* roster() const noexcept {
    return roster_ ? &*roster_ : nullptr;
  }
  [[nodiscard]] std::uint64_t roster_version() const noexcept {
    return roster_ ? roster_->roster.version() : 0;
  }
  // The person with card key `key_id`, allowed to act as `role` at this station at
  // `time_unix` by the roster in force; kPolicyRefused saying why not.
  [[nodiscard]] Result<const v1::RosterPerson*> person(std::string_view key_id,
                                                       people::Role role,
                                                       std::int64_t time_unix) const;

  [[nodiscard]] const std::optional<LineStop>& line_stop() const noexcept { return line_stop_; }
  [[nodiscard]] const std::optional<ActiveSession>& session() const noexcept { return session_; }
  // nullptr for a device never seen; an error when the snapshot's unit index is damaged.
  [[nodiscard]] Result<const UnitHistory*> unit(const HardwareId& hardware_id) const {
    return units_.unit(hardware_id.str());
  }
  [[nodiscard]] Result<const std::string*> hardware_id_of(const Serial& serial) const {
    return units_.hardware_id_of(serial.str());
  }
  [[nodiscard]] const EventCounts& counts() const noexcept { return counts_; }
  // The revocations journaled as REVOCATION_INSTALLED (their DSSE JSON), oldest first. Not
  // verified here: the line hands them to load_station_trust(), which verifies them.
  [[nodiscard]] const std::vector<std::string>& revocations() const noexcept {
    return revocations_;
  }

  // Why binding `serial` to `hardware_id` must stop the line (a label swap, a device already
  // bound to another serial, a scrapped device), or std::nullopt when it may go on.
  [[nodiscard]] Result<std::optional<std::string>> binding_conflict(
      const Serial& serial, const HardwareId& hardware_id) const;

 private:
  [[nodiscard]] Result<void> install_roster(const v1::Attestation& event,
                                            const verifier::TrustedRoot& root);
  [[nodiscard]] Error no_roster() const;
  [[nodiscard]] Result<void> check_operator(const v1::Attestation& event) const;
  [[nodiscard]] Result<void> start_session(const v1::Attestation& event);
  [[nodiscard]] Result<void> release_line(std::uint64_t sequence, const v1::Attestation& event);
  [[nodiscard]] Result<void> bind(std::uint64_t sequence, const v1::Attestation& event);

  std::string station_id_;
  std::optional<people::VerifiedRoster> roster_;
  std::string roster_statement_;  // the DSSE JSON roster_ was verified from
  std::set<std::string, std::less<>> used_sessions_;  // session ids already started
  std::optional<LineStop> line_stop_;
  std::optional<ActiveSession> session_;
  UnitIndex units_;
  EventCounts counts_;
  std::vector<std::string> revocations_;
};

// Parses the exact payload of a journal record's event envelope after checking its
// signature by `station_key` (payload type attestation).
[[nodiscard]] Result<v1::Attestation> verify_event(ByteView envelope_json,
                                                   const verifier::PublicKey& station_key);

}  // namespace hallmark::station

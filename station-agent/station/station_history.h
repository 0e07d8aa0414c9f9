// StationHistory: the state of a station's line as its journal tells it — who may work
// here (the roster), who is logged in, whether the line is stopped, and which serial is
// bound to which hardware id.
//
// The journal is the one source of truth: every event (unit programmed, rework, scrap, line
// stop, break-glass, session start and end, take-over, person enrolled) is a station-signed
// Attestation in it, and this state is nothing but a replay of those events. There is no
// second file that could disagree with the journal after a crash: an event either reached
// the journal (and counts) or did not. replay() verifies every event's station signature
// and station id as it goes; apply() keeps an open history in step after an append.
// Never signs, never touches a device. Not thread-safe: one history per journal.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/station.pb.h"
#include "station-agent/journal/journal.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"

namespace hallmark::station {

struct UnitHistory {
  std::string serial;                   // the printed label bound to this hardware id
  std::vector<std::uint64_t> sequences;  // every record about it, oldest first
  v1::Attestation::Result last_result = v1::Attestation::RESULT_UNSPECIFIED;
  bool scrapped = false;
};

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
  // Reads every record of `journal`, checks each event's signature by `station_key` and its
  // station id, and applies it. kVerificationFailed names the record at fault.
  [[nodiscard]] static Result<StationHistory> replay(const Journal& journal,
                                                     const verifier::PublicKey& station_key);

  // Applies one event (already signed and appended as record `sequence`).
  [[nodiscard]] Result<void> apply(std::uint64_t sequence, const v1::Attestation& event);

  [[nodiscard]] const v1::OperatorEntry* person(std::string_view key_id) const;
  [[nodiscard]] const v1::OperatorEntry* person_named(std::string_view name) const;
  [[nodiscard]] bool roster_empty() const noexcept { return roster_.empty(); }
  [[nodiscard]] const std::map<std::string, v1::OperatorEntry>& roster() const noexcept {
    return roster_;
  }

  [[nodiscard]] const std::optional<LineStop>& line_stop() const noexcept { return line_stop_; }
  [[nodiscard]] const std::optional<ActiveSession>& session() const noexcept { return session_; }
  [[nodiscard]] const UnitHistory* unit(std::string_view hardware_id) const;
  [[nodiscard]] const std::string* hardware_id_of(std::string_view serial) const;
  [[nodiscard]] const EventCounts& counts() const noexcept { return counts_; }
  // The revocations journaled as REVOCATION_INSTALLED (their DSSE JSON), oldest first. Not
  // verified here: the line hands them to load_station_trust(), which verifies them.
  [[nodiscard]] const std::vector<std::string>& revocations() const noexcept {
    return revocations_;
  }

  // Why binding `serial` to `hardware_id` must stop the line (a label swap, a device already
  // bound to another serial, a scrapped device), or std::nullopt when it may go on.
  [[nodiscard]] std::optional<std::string> binding_conflict(std::string_view serial,
                                                            std::string_view hardware_id) const;

 private:
  [[nodiscard]] Result<void> enrol(const v1::Attestation& event);
  void bind(std::uint64_t sequence, const v1::Attestation& event);

  std::map<std::string, v1::OperatorEntry> roster_;  // by key id
  std::optional<LineStop> line_stop_;
  std::optional<ActiveSession> session_;
  std::map<std::string, UnitHistory, std::less<>> units_;    // by hardware id
  std::map<std::string, std::string, std::less<>> serials_;  // serial → hardware id
  EventCounts counts_;
  std::vector<std::string> revocations_;
};

// Parses the exact payload of a journal record's event envelope after checking its
// signature by `station_key` (payload type attestation).
[[nodiscard]] Result<v1::Attestation> verify_event(ByteView envelope_json,
                                                   const verifier::PublicKey& station_key);

}  // namespace hallmark::station

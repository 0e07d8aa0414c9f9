#include "station-agent/station/station_history.h"

#include <fmt/format.h>

#include <string_view>
#include <utility>

#include "verifier/people/person_statements.h"
#include "verifier/people/roster.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

namespace hallmark::station {
namespace {

using Event = v1::Attestation;

}  // namespace

Result<v1::Attestation> verify_event(ByteView envelope_json, const verifier::PublicKey& station_key) {
  auto envelope = verifier::parse_envelope_json(as_chars(envelope_json));
  if (!envelope) return std::unexpected(envelope.error());
  const verifier::PublicKey keys[] = {station_key};
  auto verified = verifier::verify_envelope(*envelope, keys, 1,
                                            verifier::payload_type_of("attestation"));
  if (!verified) return std::unexpected(verified.error());
  return verifier::parse_verified<v1::Attestation>(*verified);
}

Result<StationHistory> StationHistory::replay(const Journal& journal,
                                              const verifier::PublicKey& station_key,
                                              const verifier::TrustedRoot& root) {
  StationHistory history;
  history.station_id_ = journal.station_id().str();
  auto replayed = history.replay_after(journal, 0, station_key, root);
  if (!replayed) return std::unexpected(std::move(replayed).error());
  return history;
}

Result<std::uint64_t> StationHistory::replay_after(const Journal& journal, std::uint64_t after,
                                                   const verifier::PublicKey& station_key,
                                                   const verifier::TrustedRoot& root) {
  auto cursor = journal.records_since(after);
  if (!cursor) return std::unexpected(cursor.error());
  std::uint64_t replayed = 0;
  while (true) {
    auto entry = cursor->next();
    if (!entry) return std::unexpected(entry.error());
    if (!entry->has_value()) break;
    const auto& record = **entry;
    auto where = [&](const Error& e) {
      return e.context(fmt::format("journal {} record {}", journal.path().string(),
                                   record.sequence));
    };
    auto event = verify_event(record.attestation_envelope, station_key);
    if (!event) return std::unexpected(where(event.error()));
    if (StationId(event->station_id()) != journal.station_id()) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("journal {} record {} is an event of station '{}', not '{}'",
                              journal.path().string(), record.sequence, event->station_id(),
                              journal.station_id()));
    }
    // The station signs each event for the record it is about to take; an envelope found
    // in another record is a copy (a replayed break-glass, session or unit), whatever
    // chain was built around it.
    if (event->monotonic_counter() != record.sequence) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("journal {} record {} holds an event the station signed for "
                              "record {}: a copied record; the journal was tampered with — "
                              "stop the station and report it",
                              journal.path().string(), record.sequence,
                              event->monotonic_counter()));
    }
    if (auto applied = apply(record.sequence, *event, root); !applied) {
      return std::unexpected(where(applied.error()));
    }
    ++replayed;
  }
  return replayed;
}

Result<StationHistory> StationHistory::restore(const v1::StationSnapshot& snapshot,
                                               const std::filesystem::path& snapshot_dir,
                                               const verifier::TrustedRoot& root) {
  StationHistory history;
  history.station_id_ = snapshot.station_id();
  if (!snapshot.roster_envelope().empty()) {
    auto envelope = verifier::parse_envelope_json(snapshot.roster_envelope());
    if (!envelope) return std::unexpected(envelope.error().context("the snapshot's person roster"));
    auto roster = people::verify_roster(*envelope, root);
    if (!roster) return std::unexpected(roster.error().context("the snapshot's person roster"));
    history.roster_ = std::move(*roster);
    history.roster_statement_ = snapshot.roster_envelope();
  }
  history.used_sessions_.insert(snapshot.used_sessions().begin(), snapshot.used_sessions().end());
  if (snapshot.line_stopped()) {
    history.line_stop_ = LineStop{snapshot.line_stop_sequence(), snapshot.line_stop_cause()};
  }
  if (snapshot.has_session()) {
    const auto& s = snapshot.session();
    history.session_ = ActiveSession{s.id(), s.operator_name(), s.operator_key_id(),
                                     s.started_unix()};
  }
  const auto& c = snapshot.counts();
  history.counts_ = EventCounts{c.passed(),     c.failed(),     c.reworked(),
                                c.scrapped(),   c.line_stops(), c.break_glasses()};
  history.revocations_.assign(snapshot.revocations().begin(), snapshot.revocations().end());
  if (!snapshot.unit_index_sha256().empty() &&
      snapshot.unit_index_sha256().size() != verifier::Digest::kSize) {
    return fail(ErrorCode::kVerificationFailed, "the snapshot's unit index digest is malformed");
  }
  history.units_ = UnitIndex::from_snapshot(snapshot_dir, snapshot.unit_index_sha256());
  return history;
}

Result<v1::StationSnapshot> StationHistory::snapshot(const std::filesystem::path& snapshot_dir) {
  auto index = units_.save(snapshot_dir);
  if (!index) return std::unexpected(std::move(index).error());
  v1::StationSnapshot out;
  out.set_station_id(station_id_);
  out.set_roster_envelope(roster_statement_);
  for (const auto& id : used_sessions_) out.add_used_sessions(id);
  if (line_stop_) {
    out.set_line_stopped(true);
    out.set_line_stop_sequence(line_stop_->sequence);
    out.set_line_stop_cause(line_stop_->cause);
  }
  if (session_) {
    auto* s = out.mutable_session();
    s->set_id(session_->id);
    s->set_operator_name(session_->operator_name);
    s->set_operator_key_id(session_->operator_key_id);
    s->set_started_unix(session_->started_unix);
  }
  auto* c = out.mutable_counts();
  c->set_passed(counts_.passed);
  c->set_failed(counts_.failed);
  c->set_reworked(counts_.reworked);
  c->set_scrapped(counts_.scrapped);
  c->set_line_stops(counts_.line_stops);
  c->set_break_glasses(counts_.break_glasses);
  for (const auto& r : revocations_) out.add_revocations(r);
  out.set_unit_index_sha256(*index);
  return out;
}

Result<void> StationHistory::install_roster(const Event& event, const verifier::TrustedRoot& root) {
  auto envelope = verifier::parse_envelope_json(event.signed_statement());
  if (!envelope) return std::unexpected(envelope.error().context("the installed person roster"));
  auto roster = people::verify_roster(*envelope, root);
  if (!roster) return std::unexpected(roster.error());
  if (roster_ && roster->roster.version() <= roster_->roster.version()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("person roster v{} is not newer than v{} in force: a roster is never "
                            "rolled back",
                            roster->roster.version(), roster_->roster.version()));
  }
  roster_ = std::move(*roster);
  roster_statement_ = event.signed_statement();
  return {};
}

Error StationHistory::no_roster() const {
  return Error{ErrorCode::kPolicyRefused,
               fmt::format("no person roster is installed at station '{}': install the roster "
                           "issued on the signer host (hallmark-station install-roster)",
                           station_id_),
               0,
               {}};
}

Result<const v1::RosterPerson*> StationHistory::person(std::string_view key_id, people::Role role,
                                                       std::int64_t time_unix) const {
  if (!roster_) return std::unexpected(no_roster());
  return people::authorise(*roster_, key_id, station_id_, role, time_unix);
}

Result<void> StationHistory::start_session(const Event& event) {
  auto envelope = verifier::parse_envelope_json(event.signed_statement());
  if (!envelope) return std::unexpected(envelope.error().context("the operator session"));
  if (!roster_) return std::unexpected(no_roster());
  auto session = people::verify_session_by(*roster_, *envelope, event.operator_key_id(),
                                           station_id_, event.time_unix());
  if (!session) return std::unexpected(session.error());
  const std::string id = people::session_id(*envelope);
  if (id != event.operator_session() || session->operator_name() != event.operator_name()) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("the session start names session {} of '{}', but the card signed "
                            "session {} of '{}'",
                            event.operator_session(), event.operator_name(), id,
                            session->operator_name()));
  }
  if (!used_sessions_.insert(id).second) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("session {} of '{}' was started before: a card-signed session is "
                            "used once (a replayed log-in)",
                            id, session->operator_name()));
  }
  session_ = ActiveSession{id, session->operator_name(), event.operator_key_id(),
                           event.time_unix()};
  return {};
}

Result<void> StationHistory::release_line(std::uint64_t sequence, const Event& event) {
  if (!line_stop_) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("record {} releases a line that is not stopped", sequence));
  }
  auto envelope = verifier::parse_envelope_json(event.signed_statement());
  if (!envelope) return std::unexpected(envelope.error().context("the break-glass"));
  if (!roster_) return std::unexpected(no_roster());
  auto glass = people::verify_break_glass_by(*roster_, *envelope, station_id_, event.time_unix());
  if (!glass) return std::unexpected(glass.error());
  if (glass->line_stop_sequence() != line_stop_->sequence) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("the break-glass signed by '{}' releases the line stop of record {}, "
                            "but the line stop in force is record {}: a replayed break-glass",
                            glass->supervisor_name(), glass->line_stop_sequence(),
                            line_stop_->sequence));
  }
  line_stop_.reset();
  return {};
}

Result<void> StationHistory::bind(std::uint64_t sequence, const Event& event) {
  if (event.hardware_id().empty()) return {};
  auto unit = units_.unit_for_update(event.hardware_id());
  if (!unit) return std::unexpected(std::move(unit).error());
  if ((*unit)->serial.empty() && !event.serial().empty()) {
    (*unit)->serial = event.serial();
    if (auto ok = units_.bind_serial(Serial(event.serial()), HardwareId(event.hardware_id())); !ok) {
      return ok;
    }
  }
  (*unit)->sequences.push_back(sequence);
  if (event.result() != v1::Attestation::RESULT_UNSPECIFIED) (*unit)->last_result = event.result();
  if (event.event() == Event::SCRAP) (*unit)->scrapped = true;
  return {};
}

Result<void> StationHistory::check_operator(const Event& event) const {
  // Every event but a session start names the session open when it was made (or none):
  // an event naming a session that is not the open one puts someone on the line who was
  // not logged in.
  if (event.event() == Event::SESSION_START) return {};
  const std::string open_id = session_ ? session_->id : std::string();
  const std::string open_key = session_ ? session_->operator_key_id : std::string();
  if (event.operator_session() == open_id && event.operator_key_id() == open_key) return {};
  return fail(ErrorCode::kVerificationFailed,
              fmt::format("the event names operator session '{}' (key {}), but the session open "
                          "at that point is '{}': an event attributed to someone not logged in",
                          event.operator_session(), event.operator_key_id(),
                          open_id.empty() ? std::string("none") : open_id));
}

Result<void> StationHistory::apply(std::uint64_t sequence, const Event& event,
                                   const verifier::TrustedRoot& root) {
  if (auto ok = check_operator(event); !ok) return ok;
  switch (event.event()) {
    case Event::PROGRAM:
    case Event::REWORK:
      if (auto ok = bind(sequence, event); !ok) return ok;
      if (event.event() == Event::REWORK) ++counts_.reworked;
      if (event.result() == v1::Attestation::PASS) ++counts_.passed;
      if (event.result() == v1::Attestation::FAIL) ++counts_.failed;
      return {};
    case Event::TAKE_OVER:
      return bind(sequence, event);
    case Event::RMA_RECEIVED:
      // A returned unit that inspected as its evidence says is bound here (it may be
      // reworked); one that did not is recorded, and its LINE_STOP follows.
      return event.result() == v1::Attestation::PASS ? bind(sequence, event) : Result<void>{};
    case Event::SCRAP:
      if (auto ok = bind(sequence, event); !ok) return ok;
      ++counts_.scrapped;
      return {};
    case Event::LINE_STOP:
      line_stop_ = LineStop{sequence, event.detail()};
      ++counts_.line_stops;
      return {};
    case Event::BREAK_GLASS:
      if (auto ok = release_line(sequence, event); !ok) return ok;
      ++counts_.break_glasses;
      return {};
    case Event::SESSION_START:
      return start_session(event);
    case Event::SESSION_END:
      session_.reset();
      return {};
    case Event::ROSTER_INSTALLED:
      return install_roster(event, root);
    case Event::OPERATOR_ENROLLED:
      return fail(ErrorCode::kVerificationFailed,
                  "a person enrolled by the station itself: people come only from the person "
                  "roster issued on the signer host");
    case Event::JOURNAL_REPAIRED:  // a torn final write was cut (detail): nothing to replay
      return {};
    case Event::REVOCATION_INSTALLED:
      revocations_.push_back(event.signed_statement());
      return {};
    default:
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("event kind {} is not one this station knows",
                              static_cast<int>(event.event())));
  }
}

Result<std::optional<std::string>> StationHistory::binding_conflict(
    const Serial& serial, const HardwareId& hardware_id) const {
  auto device = unit(hardware_id);
  if (!device) return std::unexpected(std::move(device).error());
  auto bound = hardware_id_of(serial);
  if (!bound) return std::unexpected(std::move(bound).error());
  if (*device != nullptr && (*device)->scrapped) {
    return fmt::format("device {} was scrapped (record {}) and is back on the line", hardware_id,
                       (*device)->sequences.back());
  }
  if (*bound != nullptr && **bound != hardware_id.str()) {
    return fmt::format("serial {} is already bound to device {}, but device {} carries it "
                       "(label swap?)",
                       serial, **bound, hardware_id);
  }
  if (*device != nullptr && !(*device)->serial.empty() && (*device)->serial != serial.str()) {
    return fmt::format("device {} is already bound to serial {}, but is labelled {} "
                       "(label swap?)",
                       hardware_id, (*device)->serial, serial);
  }
  return std::optional<std::string>{};
}

}  // namespace hallmark::station

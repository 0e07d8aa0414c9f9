#include "station-agent/station/station_history.h"

#include <fmt/format.h>

#include <string_view>
#include <utility>

#include "station-agent/station/person_statements.h"
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
                                              const verifier::PublicKey& station_key) {
  StationHistory history;
  auto cursor = journal.records_since(0);
  if (!cursor) return std::unexpected(cursor.error());
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
    if (event->station_id() != journal.station_id()) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("journal {} record {} is an event of station '{}', not '{}'",
                              journal.path().string(), record.sequence, event->station_id(),
                              journal.station_id()));
    }
    if (auto applied = history.apply(record.sequence, *event); !applied) {
      return std::unexpected(where(applied.error()));
    }
  }
  return history;
}

Result<void> StationHistory::enrol(const Event& event) {
  auto envelope = verifier::parse_envelope_json(event.signed_statement());
  if (!envelope) return std::unexpected(envelope.error());
  // The first person is a supervisor who signs their own enrolment (trust on first use,
  // visible in the evidence); everyone after is signed in by an enrolled supervisor.
  v1::OperatorEnrolment unverified;
  if (!unverified.ParseFromString(envelope->payload())) {
    return fail(ErrorCode::kVerificationFailed, "an operator enrolment statement does not parse");
  }
  const v1::OperatorEntry* supervisor = person(unverified.supervisor_key_id());
  const v1::PublicKey* signer = &unverified.entry().key();
  if (!roster_.empty()) {
    if (supervisor == nullptr || supervisor->role() != v1::OperatorEntry::SUPERVISOR) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("enrolment of '{}' is signed by key {}, which is not an enrolled "
                              "supervisor",
                              unverified.entry().name(), unverified.supervisor_key_id()));
    }
    signer = &supervisor->key();
  } else if (unverified.entry().role() != v1::OperatorEntry::SUPERVISOR ||
             unverified.supervisor_key_id() != unverified.entry().key().key_id()) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("the first person enrolled here ('{}') must be a supervisor signing "
                            "their own enrolment",
                            unverified.entry().name()));
  }
  auto signer_key = verifier::PublicKey::from_proto(*signer);
  if (!signer_key) return std::unexpected(signer_key.error());
  auto enrolment = verify_enrolment(*envelope, *signer_key, event.station_id());
  if (!enrolment) return std::unexpected(enrolment.error());
  roster_[enrolment->entry().key().key_id()] = enrolment->entry();
  return {};
}

void StationHistory::bind(std::uint64_t sequence, const Event& event) {
  if (event.hardware_id().empty()) return;
  auto& unit = units_[event.hardware_id()];
  if (unit.serial.empty() && !event.serial().empty()) {
    unit.serial = event.serial();
    serials_[event.serial()] = event.hardware_id();
  }
  unit.sequences.push_back(sequence);
  if (event.result() != v1::Attestation::RESULT_UNSPECIFIED) unit.last_result = event.result();
}

Result<void> StationHistory::apply(std::uint64_t sequence, const Event& event) {
  switch (event.event()) {
    case Event::PROGRAM:
    case Event::REWORK:
      bind(sequence, event);
      if (event.event() == Event::REWORK) ++counts_.reworked;
      if (event.result() == v1::Attestation::PASS) ++counts_.passed;
      if (event.result() == v1::Attestation::FAIL) ++counts_.failed;
      return {};
    case Event::TAKE_OVER:
      bind(sequence, event);
      return {};
    case Event::SCRAP:
      bind(sequence, event);
      units_[event.hardware_id()].scrapped = true;
      ++counts_.scrapped;
      return {};
    case Event::LINE_STOP:
      line_stop_ = LineStop{sequence, event.detail()};
      ++counts_.line_stops;
      return {};
    case Event::BREAK_GLASS:
      line_stop_.reset();
      ++counts_.break_glasses;
      return {};
    case Event::SESSION_START:
      session_ = ActiveSession{event.operator_session(), event.operator_name(),
                               event.operator_key_id(), event.time_unix()};
      return {};
    case Event::SESSION_END:
      session_.reset();
      return {};
    case Event::OPERATOR_ENROLLED:
      return enrol(event);
    case Event::REVOCATION_INSTALLED:
      revocations_.push_back(event.signed_statement());
      return {};
    default:
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("event kind {} is not one this station knows",
                              static_cast<int>(event.event())));
  }
}

const v1::OperatorEntry* StationHistory::person(std::string_view key_id) const {
  auto it = roster_.find(std::string(key_id));
  return it == roster_.end() ? nullptr : &it->second;
}

const v1::OperatorEntry* StationHistory::person_named(std::string_view name) const {
  for (const auto& [id, entry] : roster_) {
    if (entry.name() == name) return &entry;
  }
  return nullptr;
}

const UnitHistory* StationHistory::unit(std::string_view hardware_id) const {
  auto it = units_.find(hardware_id);
  return it == units_.end() ? nullptr : &it->second;
}

const std::string* StationHistory::hardware_id_of(std::string_view serial) const {
  auto it = serials_.find(serial);
  return it == serials_.end() ? nullptr : &it->second;
}

std::optional<std::string> StationHistory::binding_conflict(std::string_view serial,
                                                            std::string_view hardware_id) const {
  const UnitHistory* device = unit(hardware_id);
  if (device != nullptr && device->scrapped) {
    return fmt::format("device {} was scrapped (record {}) and is back on the line", hardware_id,
                       device->sequences.back());
  }
  if (const std::string* bound = hardware_id_of(serial); bound != nullptr && *bound != hardware_id) {
    return fmt::format("serial {} is already bound to device {}, but device {} carries it "
                       "(label swap?)",
                       serial, *bound, hardware_id);
  }
  if (device != nullptr && !device->serial.empty() && device->serial != serial) {
    return fmt::format("device {} is already bound to serial {}, but is labelled {} "
                       "(label swap?)",
                       hardware_id, device->serial, serial);
  }
  return std::nullopt;
}

}  // namespace hallmark::station

#include "station-agent/station/station_line.h"

#include <map>
#include <set>
#include <span>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "station-agent/station/station_snapshot.h"
#include "station-agent/station/station_state.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/time_format.h"
#include "verifier/io/file_io.h"
#include "verifier/io/clock.h"

namespace hallmark::station {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kDefaultSessionSeconds = 12 * 3600;

std::int64_t system_now() { return unix_now(); }

std::string bytes_of(const verifier::Digest& d) { return std::string(as_chars(d.bytes())); }

Result<void> check_key(const verifier::PublicKey& on_token, const verifier::PublicKey& registered,
                       std::string_view what, std::string_view station_id,
                       std::string_view uri) {
  if (on_token.key_id() == registered.key_id()) return {};
  return fail(ErrorCode::kPolicyRefused,
              fmt::format("the {} key on the token ({}, key id {}) is not the one station '{}' "
                          "was registered with (key id {}): use the station's enrolled token",
                          what, uri, on_token.key_id(), station_id, registered.key_id()));
}

}  // namespace

fs::path journal_file(const fs::path& dir) { return dir / "journal"; }

namespace {

// The journal of `dir` and the station's history: from the state snapshot when it verifies
// and matches the journal (only the records after it replayed), else replayed from the
// whole journal; a journal sealed past its start needs the snapshot. With the count of
// records replayed and a note on the snapshot for the operator.
struct LoadedHistory {
  Journal journal;
  StationHistory history;
  std::uint64_t replayed = 0;
  std::string snapshot_note;
};

Result<LoadedHistory> load_history(const fs::path& dir, const StationId& station_id,
                                   const verifier::PublicKey& station_key,
                                   const verifier::TrustedRoot& root) {
  LoadedSnapshot loaded = load_snapshot(dir, station_id.str(), station_key);
  std::string snapshot_note = loaded.ignored;
  std::optional<Journal> journal;
  std::optional<StationHistory> history;
  std::uint64_t replayed = 0;
  if (loaded.snapshot) {
    const auto& snap = *loaded.snapshot;
    auto hash = verifier::Digest::from_bytes(as_bytes(snap.head_hash()));
    if (!hash) return std::unexpected(hash.error());
    auto opened = Journal::open(journal_file(dir), station_id,
                                JournalResume{snap.sequence(), *hash, snap.head_offset()});
    if (!opened) return std::unexpected(std::move(opened).error());
    if (opened->resumed()) {
      auto restored = StationHistory::restore(snap, snapshot_dir(dir), root);
      if (restored) {
        journal.emplace(std::move(*opened));
        history.emplace(std::move(*restored));
      } else {
        snapshot_note = fmt::format("snapshot {} ignored: {}",
                                    snapshot_file(dir).string(),
                                    restored.error().message);
      }
    } else {
      snapshot_note = fmt::format("snapshot {} (record {}) ignored: {}",
                                  snapshot_file(dir).string(), snap.sequence(),
                                  opened->resume_refused());
    }
  }
  if (history) {
    auto after = history->replay_after(*journal, loaded.snapshot->sequence(), station_key,
                                       root);
    if (!after) return std::unexpected(after.error());
    replayed = *after;
    snapshot_note = fmt::format("snapshot at record {}, {} record(s) replayed after it",
                                loaded.snapshot->sequence(), replayed);
  } else {
    journal.reset();  // a journal opened at a refused resume point is opened again, whole
    auto opened = Journal::open(journal_file(dir), station_id);
    if (!opened) return std::unexpected(std::move(opened).error());
    journal.emplace(std::move(*opened));
    if (journal->sealed().sequence > 0) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("journal {} was sealed through record {} (the records before are "
                              "in segments, off the station), so this station's history comes "
                              "from its state snapshot, which cannot be used: {}. Restore the "
                              "state directory (journal and snapshot together) from its backup; "
                              "the line does not open on part of its history",
                              journal_file(dir).string(), journal->sealed().sequence,
                              snapshot_note.empty() ? "there is none" : snapshot_note));
    }
    auto full = StationHistory::replay(*journal, station_key, root);
    if (!full) return std::unexpected(full.error());
    history.emplace(std::move(*full));
    replayed = journal->head().sequence;
    if (snapshot_note.empty()) snapshot_note = "no snapshot: the whole journal was replayed";
  }
  return LoadedHistory{std::move(*journal), std::move(*history), replayed,
                       std::move(snapshot_note)};
}

}  // namespace

Result<verifier::Digest> running_software_sha256() {
  return fileio::hash_file("/proc/self/exe");
}

Result<StationLine> StationLine::open(LineOptions options) {
  if (!options.now) options.now = system_now;
  if (!options.read_clock) options.read_clock = read_clock_state;
  const std::int64_t now = options.now();

  // Who this station is: its registration under the pinned chain. Revocations are applied
  // once the journal is read (they decide what the line may do, not who it is).
  auto chain = load_station_trust(options.dir, now, {}, StoredRevocations::kLeaveOut);
  if (!chain) return std::unexpected(chain.error());
  auto registration = load_registration(options.dir, chain->root(), now);
  if (!registration) return std::unexpected(registration.error());
  const StationId station_id(registration->registration.station_id());
  const auto& keys = options.keys;
  if (auto ok = check_key(keys.station_key, registration->enrollment.station_key, "station",
                          station_id.str(), keys.station_key_uri);
      !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = check_key(keys.device_ca_key, registration->enrollment.device_ca_key, "device-CA",
                          station_id.str(), keys.device_ca_key_uri);
      !ok) {
    return std::unexpected(ok.error());
  }

  auto policy = load_policy(options.dir);
  if (!policy) return std::unexpected(policy.error());
  if (!policy->has_value()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("{} does not exist: write the station policy (allowed_skus) before "
                            "programming",
                            policy_file(options.dir).string()));
  }
  auto config = fileio::hash_file(policy_file(options.dir));
  if (!config) return std::unexpected(config.error());

  // The history: from the state snapshot when it verifies and matches the journal (only
  // the records after it replayed), else replayed from the whole journal.
  auto loaded = load_history(options.dir, station_id, keys.station_key, chain->root());
  if (!loaded) return std::unexpected(std::move(loaded).error());
  std::uint64_t replayed = loaded->replayed;
  std::string snapshot_note = std::move(loaded->snapshot_note);

  auto device_ca = DeviceCertificateAuthority::prepare(
      as_bytes(registration->registration.device_ca_certificate_der()), station_id,
      keys.device_ca_key, keys.sign_certificate);

  StationLine line(std::move(options), std::move(loaded->journal));
  if (device_ca) {
    line.device_ca_.emplace(std::move(*device_ca));
  } else {
    line.device_ca_error_ = std::move(device_ca).error();
  }
  line.history_ = std::move(loaded->history);
  line.policy_ = std::move(**policy);
  line.registration_ = std::move(*registration);
  line.chain_ = std::move(*chain);
  line.station_id_ = station_id;
  line.config_sha256_ = *config;
  line.snapshot_note_ = std::move(snapshot_note);
  // Before anything else: a torn final write is cut only together with the signed record
  // of the cut (the journal's first append cuts it), so every repair is in the evidence.
  if (const auto& torn = line.journal_.recovered_tail()) {
    auto repaired = line.record_repair(*torn);
    if (!repaired) return std::unexpected(std::move(repaired).error());
  }
  if (auto journaled = line.journal_revocations(); !journaled) {
    return std::unexpected(journaled.error());
  }
  // A cache, never the evidence: a snapshot that cannot be written leaves the journal as
  // it is and the next command replays a little more (said in snapshot_note()).
  if (replayed >= kSnapshotAfterRecords) {
    if (auto saved = line.save_snapshot(); !saved) {
      line.snapshot_note_ += fmt::format("; a new snapshot could not be written: {}",
                                         saved.error().message);
    }
  }
  return line;
}

Result<void> StationLine::save_snapshot() { return save_snapshot_at(journal_.head_offset()); }

Result<void> StationLine::save_snapshot_at(std::uint64_t head_offset) {
  const fs::path dir = snapshot_dir(options_.dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("snapshot directory {}: {}", dir.string(), ec.message()));
  auto snapshot = history_.snapshot(dir);
  if (!snapshot) return std::unexpected(std::move(snapshot).error());
  const JournalHead head = journal_.head();
  snapshot->set_sequence(head.sequence);
  snapshot->set_head_hash(bytes_of(head.hash));
  snapshot->set_head_offset(head_offset);
  return station::save_snapshot(options_.dir, *snapshot, options_.keys.station_key.key_id(),
                                options_.keys.sign_event);
}

Result<void> StationLine::record_repair(const TornTail& torn) {
  v1::Attestation event;
  event.set_event(v1::Attestation::JOURNAL_REPAIRED);
  event.set_detail(fmt::format("cut {} bytes at offset {}: {} (a torn final write)", torn.bytes,
                               torn.offset, torn.reason));
  auto clock = options_.read_clock();
  const ClockState state = clock ? *clock : ClockState{false, clock.error().message};
  auto sequence = record(event, state);
  if (!sequence) {
    return std::unexpected(std::move(sequence).error().context(fmt::format(
        "recording the repair of journal {} (a torn write of {} bytes at offset {}; nothing "
        "was cut)", journal_.path().string(), torn.bytes, torn.offset)));
  }
  repair_sequence_ = *sequence;
  return {};
}

namespace {

// The journaled revocations (REVOCATION_INSTALLED) by payload digest.
Result<std::map<verifier::Digest, verifier::TrustDocument>> journaled_revocations(
    const StationHistory& history, const fs::path& journal) {
  std::map<verifier::Digest, verifier::TrustDocument> out;
  for (const auto& json : history.revocations()) {
    auto envelope = verifier::parse_envelope_json(json);
    if (!envelope) {
      return std::unexpected(envelope.error().context(
          fmt::format("a REVOCATION_INSTALLED record of {}", journal.string())));
    }
    auto digest = verifier::sha256(as_bytes(envelope->payload()));
    if (!digest) return std::unexpected(digest.error());
    out.emplace(*digest, verifier::TrustDocument{
                             fmt::format("{} (journaled)", digest->hex()), std::move(*envelope)});
  }
  return out;
}

}  // namespace

Result<std::vector<std::uint64_t>> StationLine::journal_revocations() {
  auto journaled = journaled_revocations(history_, journal_.path());
  if (!journaled) return std::unexpected(journaled.error());
  auto stored = stored_revocations(options_.dir);
  if (!stored) return std::unexpected(stored.error());
  std::vector<verifier::TrustDocument> to_journal;
  std::set<std::string> stored_payloads;
  for (const auto& doc : *stored) {
    stored_payloads.insert(doc.envelope.payload());
    auto digest = verifier::sha256(as_bytes(doc.envelope.payload()));
    if (!digest) return std::unexpected(digest.error());
    if (!journaled->contains(*digest)) to_journal.push_back(doc);
  }
  // Journaled ones whose file is gone still count: the journal is append-only.
  std::vector<verifier::TrustDocument> only_journaled;
  for (const auto& [digest, doc] : *journaled) {
    if (!stored_payloads.contains(doc.envelope.payload())) only_journaled.push_back(doc);
  }
  auto trust = load_station_trust(options_.dir, options_.now(), only_journaled);
  if (!trust) return std::unexpected(trust.error());
  trust_.emplace(std::move(*trust));
  std::vector<std::uint64_t> records;
  for (const auto& doc : to_journal) {
    const verifier::AppliedRevocation* applied = nullptr;
    for (const auto& r : trust_->revocations()) {
      if (r.envelope.payload() == doc.envelope.payload()) applied = &r;
    }
    v1::Attestation event;
    event.set_event(v1::Attestation::REVOCATION_INSTALLED);
    event.set_signed_statement(verifier::envelope_to_json(doc.envelope));
    if (applied != nullptr) {
      event.set_detail(fmt::format("revocation {} in force (trust root v{}): {}",
                                   applied->digest.hex(), applied->revocation.trust_root_version(),
                                   applied->revocation.reason()));
    }
    auto sequence = record(event);
    if (!sequence) return std::unexpected(sequence.error());
    records.push_back(*sequence);
  }
  return records;
}

Result<std::optional<std::uint64_t>> StationLine::install_revocation(
    const verifier::TrustDocument& revocation) {
  auto stored = store_revocations(options_.dir, std::span(&revocation, 1), options_.now());
  if (!stored) return std::unexpected(stored.error());
  auto records = journal_revocations();
  if (!records) return std::unexpected(records.error());
  if (records->empty()) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>{records->back()};
}

Result<void> StationLine::refuse_revoked(
    const std::optional<verifier::Digest>& bundle_digest) const {
  if (auto ok = trust_->refuse_revoked_station(station_id_); !ok) return ok;
  if (auto ok = trust_->refuse_revoked_key(options_.keys.station_key.key_id(), "station"); !ok) {
    return ok;
  }
  if (auto ok = trust_->refuse_revoked_key(options_.keys.device_ca_key.key_id(), "device-CA");
      !ok) {
    return ok;
  }
  if (bundle_digest) return trust_->refuse_revoked_bundle(bundle_digest->bytes());
  return {};
}

Result<std::uint64_t> StationLine::record(v1::Attestation& event) {
  auto clock = options_.read_clock();
  if (!clock) return std::unexpected(clock.error());
  return record(event, *clock);
}

Result<std::uint64_t> StationLine::record(v1::Attestation& event, const ClockState& clock) {
  const auto& keys = options_.keys;
  event.set_station_id(station_id_.str());
  event.set_software_sha256(bytes_of(options_.software_sha256));
  event.set_config_sha256(bytes_of(config_sha256_));
  event.clear_key_uris();
  event.add_key_uris(fmt::format("station {} (key id {})", keys.station_key_uri,
                                 keys.station_key.key_id()));
  if (!event.device_certificate_der().empty()) {
    event.add_key_uris(fmt::format("device-ca {} (key id {})", keys.device_ca_key_uri,
                                   keys.device_ca_key.key_id()));
  }
  if (const auto& session = history_.session();
      session && event.event() != v1::Attestation::SESSION_START) {
    event.set_operator_session(session->id);
    event.set_operator_name(session->operator_name);
    event.set_operator_key_id(session->operator_key_id);
  }
  event.set_time_unix(options_.now());
  event.set_clock_synced(clock.synchronised);
  const std::uint64_t sequence = journal_.head().sequence + 1;
  event.set_monotonic_counter(sequence);
  event.set_roster_version(history_.roster_version());

  auto envelope = verifier::sign_envelope(verifier::payload_type_of("attestation"),
                                          verifier::deterministic_bytes(event),
                                          keys.station_key.key_id(), keys.sign_event);
  if (!envelope) return std::unexpected(envelope.error());
  auto appended = journal_.append(as_bytes(verifier::envelope_to_json(*envelope)));
  if (!appended) return std::unexpected(appended.error());
  if (auto applied = history_.apply(*appended, event, root()); !applied) {
    return std::unexpected(applied.error());
  }
  return *appended;
}

Result<const DeviceCertificateAuthority*> StationLine::device_ca() const {
  if (device_ca_) return &*device_ca_;
  if (device_ca_error_) return std::unexpected(*device_ca_error_);
  return fail(ErrorCode::kInternal, "the device-CA was not prepared");
}

Result<ActiveSession> StationLine::require_session() const {
  const auto& session = history_.session();
  if (!session) {
    return fail(ErrorCode::kPolicyRefused,
                "no operator is logged in at this station: log in with your own card "
                "(hallmark-station login --card ...); shared accounts are not allowed");
  }
  if (auto person = history_.person(session->operator_key_id, v1::OperatorEntry::OPERATOR,
                                    options_.now());
      !person) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("the session of '{}' is no longer allowed: {}", session->operator_name,
                            person.error().message));
  }
  if (options_.now() > session_expires_unix(*session)) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("the session of '{}' started at {} and expired at {}: log in again "
                            "with your card", session->operator_name,
                            verifier::format_utc(session->started_unix),
                            verifier::format_utc(session_expires_unix(*session))));
  }
  return *session;
}

std::int64_t StationLine::session_expires_unix(const ActiveSession& session) const {
  const std::int64_t limit = policy_.session_max_seconds() > 0 ? policy_.session_max_seconds()
                                                               : kDefaultSessionSeconds;
  return session.started_unix + limit;
}

Result<void> StationLine::require_running() const {
  if (const auto& stop = history_.line_stop()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("THE LINE IS STOPPED (journal record {}): {}. No unit may be "
                            "programmed until a supervisor presents their card and gives a "
                            "reason: hallmark-station break-glass --card ... --reason ...",
                            stop->sequence, stop->cause));
  }
  return {};
}

Result<ClockState> StationLine::clock_for_unit() const {
  auto clock = options_.read_clock();
  if (!clock) return std::unexpected(clock.error());
  if (!clock->synchronised && policy_.require_synced_clock()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("the system clock is not synchronised ({}) and the station policy "
                            "({}) requires it: fix time synchronisation (NTP/PTP) first",
                            clock->detail, policy_file(options_.dir).string()));
  }
  return *clock;
}

}  // namespace hallmark::station

// Why this file is long: the countersign batch is one transaction, its steps kept together.
#include "signer/evidence/countersign.h"

#include <algorithm>
#include <array>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "signer/evidence/attestation_batch.h"
#include "signer/evidence/event_findings.h"
#include "signer/evidence/export_reader.h"
#include "signer/evidence/person_findings.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/time_format.h"
#include "verifier/journal/export_chain.h"
#include "verifier/log/event_answer.h"

namespace hallmark::evidence {
namespace {

namespace fs = std::filesystem;
namespace merkle = verifier::merkle;
using verifier::ChainPoint;
using verifier::Digest;
// Records per chunk: small enough that a chunk's slots (the envelope and its parsed
// attestation, a few KiB each) are still in cache when the writer appends them after the
// pool verified them; large enough that handing chunks over costs nothing next to them.
constexpr std::size_t kChunk = 256;

// An export refused, and the finding that records it: nothing of it stays in the log.
struct Refused {
  v1::Finding::Kind kind;
  std::string message;
};
struct Replay {};
struct Written {};
using Outcome = std::variant<Refused, Replay, Written>;

// Where an export's new records start in the station's chain.
struct Plan {
  const KnownStation* station = nullptr;
  StationId id;                      // the station's, as its registration names it
  ChainPoint start;                  // the record the export continues from
  std::uint64_t countersigned = 0;   // the station's records already in the log
  std::int64_t last_event_unix = 0;
  std::optional<v1::DeviceTool> device_tool;  // of its last unit event that named one
};

const std::string& station_of(const KnownStation& s) {
  return s.verified.enrollment.enrollment.station_id();
}

class Countersigner {
 public:
  Countersigner(EvidenceStore& store, const CountersignInput& in, const EvidenceKey& key)
      : store_(store), in_(in), key_(key), releases_(store), people_(*in.root, in.rosters) {}

  Result<CountersignResult> run() {
    auto size = store_.tree_size();
    if (!size) return std::unexpected(std::move(size).error());
    auto frontier = merkle::Frontier::load(*size, store_nodes(store_));
    if (!frontier) return std::unexpected(std::move(frontier).error());
    frontier_ = std::move(*frontier);
    result_.old_size = *size;

    auto order = sorted_exports();
    if (!order) return std::unexpected(std::move(order).error());
    for (const fs::path& file : *order) {
      ExportOutcome outcome;
      outcome.file = file;
      if (auto ok = countersign_export(file, outcome); !ok) return std::unexpected(ok.error());
      result_.exports.push_back(std::move(outcome));
    }
    result_.new_size = frontier_.size();
    if (frontier_.size() > result_.old_size) {
      if (auto ok = sign_checkpoint(); !ok) return std::unexpected(ok.error());
    }
    return std::move(result_);
  }

 private:
  void say(const std::string& line) const {
    if (in_.progress) in_.progress(line);
  }

  // Exports by station, then first record, so one station's exports chain in order.
  Result<std::vector<fs::path>> sorted_exports() const {
    std::vector<std::pair<std::pair<StationId, std::uint64_t>, fs::path>> keyed;
    for (const fs::path& file : in_.exports) {
      auto reader = ExportReader::open(file);
      if (!reader && reader.error().code == ErrorCode::kIo) return std::unexpected(reader.error());
      // A file that is not an export sorts first and is refused by precheck.
      keyed.push_back({reader ? std::pair{reader->header().station_id, reader->header().first_sequence}
                              : std::pair{StationId(), std::uint64_t{0}}, file});
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<fs::path> out;
    for (auto& k : keyed) out.push_back(std::move(k.second));
    return out;
  }

  // One export, read once: its new records are appended behind a savepoint, which a
  // refusal found on the way (a broken chain, a fork, a bad checkpoint at the end) rolls
  // back, so a refused export leaves nothing but its finding.
  Result<void> countersign_export(const fs::path& file, ExportOutcome& outcome) {
    auto reader = ExportReader::open(file);
    if (!reader) {
      if (reader.error().code == ErrorCode::kIo) return std::unexpected(reader.error());
      return record_refusal({v1::Finding::EXPORT_REFUSED, reader.error().message}, outcome);
    }
    outcome.station_id = reader->header().station_id;
    auto plan = plan_export(*reader, file);
    if (!plan) return std::unexpected(std::move(plan).error());
    if (auto* refused = std::get_if<Refused>(&*plan)) return record_refusal(*refused, outcome);

    if (auto ok = store_.savepoint(); !ok) return ok;
    const merkle::Frontier before = frontier_;
    auto written = write(*reader, std::get<Plan>(*plan), outcome);
    if (!written) return std::unexpected(std::move(written).error());
    if (auto* refused = std::get_if<Refused>(&*written)) {
      if (auto ok = store_.rollback_to_savepoint(); !ok) return ok;
      frontier_ = before;
      outcome.entries = outcome.findings = outcome.first_index = 0;
      return record_refusal(*refused, outcome);
    }
    if (auto ok = store_.release_savepoint(); !ok) return ok;
    if (std::holds_alternative<Replay>(*written)) {
      outcome.status = ExportOutcome::Status::kReplay;
      if (auto ok = find_logged(reader->header(), outcome); !ok) return ok;
      say(fmt::format("{}: every record is countersigned already; nothing changed", file.string()));
    }
    return {};
  }

  // Where a replayed export's records are in the log: every one of them is there (each
  // was checked against the log on the way), so the first and last are found.
  Result<void> find_logged(const verifier::ExportHeader& header, ExportOutcome& outcome) {
    if (header.first_sequence == 0 || header.last_sequence < header.first_sequence) return {};
    const StationId& station_id = header.station_id;
    auto first = store_.station_record(station_id, header.first_sequence);
    if (!first) return std::unexpected(std::move(first).error());
    auto last = store_.station_record(station_id, header.last_sequence);
    if (!last) return std::unexpected(std::move(last).error());
    if (!*first || !*last) {
      return fail(ErrorCode::kInternal, fmt::format(
          "{}: records {}..{} of station \"{}\" are countersigned but not in the log (the "
          "store is damaged)", store_.location(), header.first_sequence, header.last_sequence,
          header.station_id));
    }
    outcome.logged_first = (*first)->second;
    outcome.logged_end = (*last)->second + 1;
    return {};
  }

  // What refuses an export from its header alone: an unknown or revoked station, a gap.
  Result<std::variant<Refused, Plan>> plan_export(const ExportReader& reader, const fs::path& file) {
    using Planned = std::variant<Refused, Plan>;
    const verifier::ExportHeader& header = reader.header();
    if (in_.root->station_revoked(header.station_id)) {
      return Planned{Refused{v1::Finding::REVOKED_STATION, fmt::format(
          "{}: station \"{}\" is revoked; its exports are not countersigned", file.string(),
          header.station_id)}};
    }
    if (auto invalid = in_.invalid_stations.find(header.station_id);
        invalid != in_.invalid_stations.end()) {
      return Planned{Refused{v1::Finding::REGISTRATION_INVALID, fmt::format(
          "{}: station \"{}\" has no valid registration here ({}); its exports are not "
          "countersigned until it is enrolled again", file.string(), header.station_id,
          invalid->second)}};
    }
    auto known = in_.stations.find(header.station_id);
    if (known == in_.stations.end()) {
      return Planned{Refused{v1::Finding::UNKNOWN_STATION, fmt::format(
          "{}: station \"{}\" has no verified registration here; give its registration with "
          "--registration (a station that was never enrolled cannot be countersigned)",
          file.string(), header.station_id)}};
    }
    Plan plan;
    plan.station = &known->second;
    plan.id = StationId(station_of(known->second));
    auto head = store_.station_head(plan.id);
    if (!head) return std::unexpected(std::move(head).error());
    plan.countersigned = *head ? (*head)->sequence : 0;
    plan.last_event_unix = *head ? (*head)->last_event_unix : 0;
    if (*head && !(*head)->device_tool.empty()) {
      v1::DeviceTool tool;
      if (!tool.ParseFromArray((*head)->device_tool.data(), static_cast<int>((*head)->device_tool.size()))) {
        return fail(ErrorCode::kInternal, fmt::format(
            "{}: the stored device tool of station \"{}\" does not parse (the store is damaged)",
            store_.location(), header.station_id));
      }
      plan.device_tool = std::move(tool);
    }
    if (header.first_sequence > plan.countersigned + 1) {
      return Planned{Refused{v1::Finding::LOG_GAP, fmt::format(
          "{}: starts at record {} of station \"{}\" but the log has its records up to {} "
          "only: records {}..{} are missing; countersign the station's earlier export first",
          file.string(), header.first_sequence, header.station_id, plan.countersigned,
          plan.countersigned + 1, header.first_sequence - 1)}};
    }
    if (header.first_sequence > 1) {
      auto before = store_.station_record(plan.id, header.first_sequence - 1);
      if (!before) return std::unexpected(std::move(before).error());
      if (!*before) return fail(ErrorCode::kInternal, "station head without its record");
      plan.start = ChainPoint{header.first_sequence - 1, (*before)->first};
    }
    return Planned{plan};
  }

  // A record already countersigned must be the very record in the log.
  Result<std::optional<Refused>> check_not_forked(const verifier::LinkedRecord& record,
                                                  const fs::path& file) {
    const StationId& station_id = station_.id;
    auto stored = store_.station_record(station_id, record.sequence);
    if (!stored) return std::unexpected(std::move(stored).error());
    if (!*stored || (*stored)->first == record.hash) return std::optional<Refused>();
    return Refused{v1::Finding::FORK, fmt::format(
        "{}: record {} of station \"{}\" differs from the one countersigned in log entry "
        "{}: the station's journal forked (restored from a backup? one identity on two "
        "stations?); nothing of this export is merged", file.string(), record.sequence,
        station_id, (*stored)->second)};
  }

  Result<void> record_refusal(const Refused& refused, ExportOutcome& outcome) {
    outcome.status = ExportOutcome::Status::kRefused;
    outcome.refusal = refused.message;
    say("REFUSED " + refused.message);
    v1::Finding finding;
    finding.set_kind(refused.kind);
    finding.set_detail(refused.message);
    finding.set_station_id(outcome.station_id.str());
    finding.set_time_unix(in_.now_unix);
    FindingRow row;
    row.time_unix = in_.now_unix;
    row.station_id = outcome.station_id;
    row.kind = refused.kind;
    row.finding = to_bytes(finding.SerializeAsString());
    return store_.add_finding(row);
  }

  // The export's records in order: the chain checked, the new ones verified on every core
  // while the previous chunk is appended, the station's checkpoint checked at the end.
  // An attestation that does not verify stops the appending; it refuses the export when
  // the checkpoint does not hold either (a damaged file), and is an error otherwise.
  Result<Outcome> write(ExportReader& reader, const Plan& plan, ExportOutcome& outcome) {
    const fs::path& file = outcome.file;
    // What the reader (its messages name the file) or the chain found wrong refuses the export.
    auto refused = [](std::string why) { return Outcome{Refused{v1::Finding::EXPORT_REFUSED, std::move(why)}}; };
    auto in_file = [&](const Error& why) { return file.string() + ": " + why.message; };
    auto chain = verifier::ExportChain::begin(reader.header(), plan.start, true);
    if (!chain) return refused(in_file(chain.error()));
    const verifier::PublicKey& key = plan.station->verified.enrollment.station_key;
    outcome.first_index = frontier_.size();
    station_ = plan;
    broken_.reset();
    copied_.reset();
    // Two chunks: one being verified by the pool while the other is read, then written.
    std::array<Chunk, 2> chunks;
    VerifyPool pool(std::max(1u, in_.threads));  // after the chunks: it goes first
    std::size_t filling = 0;
    bool previous_submitted = false;
    auto append_submitted = [&](Chunk& chunk) -> Result<void> {
      pool.wait(chunk);
      auto ok = append_chunk(chunk, outcome);
      chunk.clear();
      return ok;
    };
    auto hand_over = [&]() -> Result<void> {
      pool.submit(chunks[filling], key);
      if (previous_submitted) {
        if (auto ok = append_submitted(chunks[1 - filling]); !ok) return ok;
      }
      previous_submitted = true;
      filling = 1 - filling;
      return {};
    };
    for (;;) {
      auto bytes = reader.next();
      if (!bytes) return refused(bytes.error().message);
      if (!*bytes) break;
      auto record = chain->add(**bytes);
      if (!record) return refused(in_file(record.error()));
      if (record->sequence <= plan.countersigned) {
        auto forked = check_not_forked(*record, file);
        if (!forked) return std::unexpected(std::move(forked).error());
        if (*forked) return Outcome{std::move(**forked)};
        continue;
      }
      PendingEvent& event = chunks[filling].add();
      event.sequence = record->sequence;
      event.record_hash = record->hash;
      event.envelope.assign(record->envelope);
      if (chunks[filling].size() == kChunk) {
        if (auto ok = hand_over(); !ok) return std::unexpected(ok.error());
      }
    }
    if (!chunks[filling].empty()) {
      if (auto ok = hand_over(); !ok) return std::unexpected(ok.error());
    }
    if (previous_submitted) {
      if (auto ok = append_submitted(chunks[1 - filling]); !ok) return std::unexpected(ok.error());
    }
    auto checkpoint = chain->finish(reader.checkpoint_envelope(), key);
    if (!checkpoint) return refused(in_file(checkpoint.error()));
    if (broken_) return std::unexpected(std::move(*broken_));
    if (copied_) return Outcome{std::move(*copied_)};
    if (reader.header().last_sequence <= plan.countersigned) return Outcome{Replay{}};
    StationHead head{checkpoint->head.sequence, checkpoint->head.hash, station_.last_event_unix,
                     station_.device_tool ? to_bytes(station_.device_tool->SerializeAsString()) : Bytes{}};
    if (auto ok = store_.set_station_head(plan.id, head); !ok) return std::unexpected(ok.error());
    if (auto ok = remember_registration(outcome); !ok) return std::unexpected(ok.error());
    if (auto ok = check_clock(checkpoint->time_unix, outcome); !ok) return std::unexpected(ok.error());
    outcome.first_new = plan.countersigned + 1;
    outcome.last_new = checkpoint->head.sequence;
    say(fmt::format("{}: station {} records {}..{} countersigned as log entries {}..{} ({} "
                    "findings)", file.string(), outcome.station_id, outcome.first_new,
                    outcome.last_new, outcome.first_index,
                    outcome.first_index + outcome.entries - 1, outcome.findings));
    return Outcome{Written{}};
  }

  // The registration this export's entries were countersigned under, kept with the log
  // when it differs from the station's previous one, so every manifest file can be
  // written again from the store alone (manifest_files.h).
  Result<void> remember_registration(const ExportOutcome& outcome) {
    if (outcome.entries == 0) return {};
    const StationId& station_id = station_.id;
    auto known = store_.station_registrations(station_id);
    if (!known) return std::unexpected(std::move(known).error());
    const std::string& json = station_.station->registration_json;
    if (!known->empty() && known->back().envelope == json) return {};
    return store_.put_station_registration(station_id, RegistrationRow{outcome.first_index, json});
  }

  // The station's signed checkpoint time against the signer's clock: ahead by more than
  // the tolerance, or older than an export may be, is a CLOCK_OFFSET finding for the
  // export (its events stay countersigned: the finding is the evidence).
  Result<void> check_clock(std::int64_t checkpoint_unix, ExportOutcome& outcome) {
    const std::int64_t ahead = checkpoint_unix - in_.now_unix;
    std::string why;
    if (ahead > in_.max_clock_offset_seconds) {
      why = fmt::format("its clock is {} s ahead of the signer's (tolerance {} s)", ahead,
                        in_.max_clock_offset_seconds);
    } else if (-ahead > in_.max_export_age_seconds) {
      why = fmt::format("its checkpoint is {} s older than the signer's clock (at most {} s): "
                        "its clock is behind, or the export was held back", -ahead,
                        in_.max_export_age_seconds);
    } else {
      return {};
    }
    v1::Finding finding;
    finding.set_kind(v1::Finding::CLOCK_OFFSET);
    finding.set_detail(fmt::format(
        "{}: station \"{}\" signed its checkpoint (record {}) at {}, the signer's clock says "
        "{}: {}", outcome.file.string(), outcome.station_id, outcome.last_new,
        verifier::format_utc(checkpoint_unix), verifier::format_utc(in_.now_unix), why));
    finding.set_station_id(outcome.station_id.str());
    finding.add_station_sequences(outcome.last_new);
    finding.set_time_unix(in_.now_unix);
    say("FINDING " + finding.detail());
    FindingRow row;
    row.time_unix = in_.now_unix;
    row.event_unix = checkpoint_unix;
    row.station_id = outcome.station_id;
    row.kind = v1::Finding::CLOCK_OFFSET;
    row.finding = to_bytes(finding.SerializeAsString());
    ++outcome.findings;
    return store_.add_finding(row);
  }

  Result<void> append_chunk(Chunk& chunk, ExportOutcome& outcome) {
    // The clone checks' lookups for the whole chunk at once (a round trip, not one a unit).
    units_.clear();
    for (const PendingEvent& event : chunk) {
      const v1::Attestation& a = event.attestation;
      if (!event.error && !a.serial().empty() && !a.hardware_id().empty()) {
        units_.emplace_back(Serial(a.serial()), HardwareId(a.hardware_id()));
      }
    }
    if (auto ok = store_.prefetch_sightings(units_); !ok) return ok;
    for (PendingEvent& event : chunk) {
      if (broken_ || copied_) return {};  // nothing more is appended; the checkpoint decides
      if (auto ok = append_event(event, outcome); !ok) return ok;
    }
    return {};
  }

  Result<void> append_event(PendingEvent& event, ExportOutcome& outcome) {
    const std::string& station_id = station_of(*station_.station);
    if (event.error) {
      broken_ = Error{ErrorCode::kVerificationFailed, fmt::format(
          "{}: record {} of station \"{}\": the attestation does not verify although the "
          "station's signed checkpoint covers it ({}); the batch is not countersigned: "
          "investigate the station", outcome.file.string(), event.sequence, station_id,
          event.error->message), 0, {}};
      return {};
    }
    const v1::Attestation& a = event.attestation;
    if (a.station_id() != station_id) {
      broken_ = Error{ErrorCode::kVerificationFailed, fmt::format(
          "{}: record {} is an attestation of station \"{}\" inside the journal of \"{}\"; "
          "the batch is not countersigned", outcome.file.string(), event.sequence,
          a.station_id(), station_id), 0, {}};
      return {};
    }
    // The station signs each event for the record it takes: an envelope met in another
    // record is a copy (a replayed break-glass, session or unit), however it was chained.
    if (a.monotonic_counter() != event.sequence) {
      copied_ = Refused{v1::Finding::RECORD_COPY, fmt::format(
          "{}: record {} of station \"{}\" holds an event the station signed for record {}: a "
          "copied record; nothing of this export is merged: investigate the station",
          outcome.file.string(), event.sequence, station_id, a.monotonic_counter())};
      return {};
    }
    EventContext context{&releases_, in_.root, &station_.station->verified,
                         station_.last_event_unix, in_.now_unix, event.sequence,
                         station_.device_tool ? &*station_.device_tool : nullptr,
                         in_.station_software};
    auto findings = event_findings(store_, a, context);
    if (!findings) return std::unexpected(std::move(findings).error());
    if (PersonChecker::concerns_people(a.event())) {
      for (std::string& why : people_.problems(a, station_id, event.sequence)) {
        v1::Finding& f = findings->emplace_back();
        f.set_kind(v1::Finding::PERSON_UNVERIFIED);
        f.set_detail(std::move(why));
        f.set_station_id(station_id);
        f.add_station_sequences(event.sequence);
        f.set_time_unix(in_.now_unix);
      }
    }

    v1::ProvisioningManifest& manifest = manifest_;
    manifest.Clear();
    manifest.set_serial(a.serial());
    manifest.set_hardware_id(a.hardware_id());
    manifest.set_station_id(station_id);
    manifest.set_bundle_digest(a.bundle_digest());
    manifest.mutable_attestation_envelope()->Swap(&event.signed_envelope);  // both keep their memory
    manifest.set_countersigned_unix(in_.now_unix);
    manifest.set_station_sequence(event.sequence);
    manifest.set_journal_record_sha256(std::string(as_chars(event.record_hash.bytes())));
    manifest.set_event(a.event());
    manifest.set_result(a.result());
    manifest.set_event_unix(a.time_unix());
    for (const auto& f : *findings) *manifest.add_findings() = f;

    entry_.index = frontier_.size();
    entry_.manifest.resize(manifest.ByteSizeLong());  // reused buffer, no copy
    auto* bytes = reinterpret_cast<std::uint8_t*>(entry_.manifest.data());
    if (manifest.SerializeWithCachedSizesToArray(bytes) != bytes + entry_.manifest.size()) {
      return fail(ErrorCode::kInternal, "a provisioning manifest does not serialise");
    }
    entry_.leaf_hash = merkle::leaf_hash(entry_.manifest);
    entry_.station_id = station_.id;
    entry_.station_sequence = event.sequence;
    entry_.record_hash = event.record_hash;
    entry_.serial = Serial(a.serial());
    entry_.hardware_id = HardwareId(a.hardware_id());
    entry_.bundle_digest = to_bytes(a.bundle_digest());
    entry_.event = a.event();
    entry_.result = a.result();
    entry_.event_unix = a.time_unix();
    entry_.countersigned_unix = in_.now_unix;
    entry_.clock_synced = a.clock_synced();
    entry_.finding_count = static_cast<std::uint32_t>(findings->size());
    EventAnswer answer = answer_of(a, manifest);
    entry_.operator_name = std::move(answer.operator_name);
    entry_.supervisor_name = std::move(answer.supervisor_name);
    entry_.why = std::move(answer.why);
    entry_.finding_kinds.clear();
    for (const auto& f : *findings) entry_.finding_kinds.push_back(f.kind());
    entry_.firmware.clear();
    for (const auto* list : {&a.image_digests(), &a.measured()}) {
      for (const v1::MeasuredDigest& d : *list) {
        auto digest = Digest::from_bytes(as_bytes(d.sha256()));
        if (digest && std::find(entry_.firmware.begin(), entry_.firmware.end(), *digest) ==
                          entry_.firmware.end()) {
          entry_.firmware.push_back(*digest);
        }
      }
    }
    if (auto ok = store_.append_entry(entry_); !ok) return ok;
    nodes_.clear();
    frontier_.append(entry_.leaf_hash, [this](unsigned level, std::uint64_t index, const Digest& hash) {
      nodes_.push_back({level, index, hash});
    });
    for (const auto& n : nodes_) {
      if (auto ok = store_.put_node(n.level, n.index, n.hash); !ok) return ok;
    }
    for (const auto& f : *findings) {
      FindingRow row;
      row.time_unix = in_.now_unix;
      row.event_unix = a.time_unix();
      row.station_id = station_.id;
      row.kind = f.kind();
      row.log_index = entry_.index;
      row.finding = to_bytes(f.SerializeAsString());
      if (auto ok = store_.add_finding(row); !ok) return ok;
    }
    station_.last_event_unix = a.time_unix();
    if (const v1::DeviceTool* tool = device_tool_of(a);
        tool != nullptr && !(station_.device_tool && same_device_tool(*station_.device_tool, *tool))) {
      station_.device_tool = *tool;  // a change: rare
    }
    ++outcome.entries;
    outcome.findings += findings->size();
    return {};
  }

  Result<void> sign_checkpoint() {
    v1::LogCheckpoint checkpoint;
    checkpoint.set_origin(std::string(kLogOrigin));
    checkpoint.set_tree_size(frontier_.size());
    const Digest root = frontier_.root();
    checkpoint.set_root_hash(std::string(as_chars(root.bytes())));
    checkpoint.set_time_unix(in_.now_unix);
    const std::string payload = checkpoint.SerializeAsString();
    auto signer = key_.open();
    if (!signer) return std::unexpected(std::move(signer).error());
    auto envelope = evidence::sign_checkpoint(*signer, *in_.root, as_bytes(payload));
    if (!envelope) return std::unexpected(std::move(envelope).error());
    ++result_.signatures;
    CheckpointRow row{frontier_.size(), root, in_.now_unix,
                      to_bytes(verifier::envelope_to_json(*envelope))};
    if (auto ok = store_.add_checkpoint(row); !ok) return ok;
    result_.checkpoint = std::move(row);
    return {};
  }

  struct Node {
    unsigned level;
    std::uint64_t index;
    Digest hash;
  };
  EvidenceStore& store_;
  const CountersignInput& in_;
  const EvidenceKey& key_;
  ReleaseCache releases_;
  merkle::Frontier frontier_;
  CountersignResult result_;
  Plan station_;           // the export being written
  std::optional<Error> broken_;  // its first attestation that did not verify
  std::optional<Refused> copied_;  // its first record holding a copied event
  PersonChecker people_;
  v1::ProvisioningManifest manifest_;  // reused, like entry_
  LogEntry entry_;         // reused: no allocation per event once warm
  std::vector<std::pair<Serial, HardwareId>> units_;  // a chunk's, reused
  std::vector<Node> nodes_;
};

}  // namespace

bool CountersignResult::any_refused() const {
  return std::any_of(exports.begin(), exports.end(), [](const ExportOutcome& e) {
    return e.status == ExportOutcome::Status::kRefused;
  });
}

verifier::merkle::NodeSource store_nodes(EvidenceStore& store) {
  return [&store](unsigned level, std::uint64_t index) { return store.node(level, index); };
}

Result<CountersignResult> countersign(EvidenceStore& store, const CountersignInput& input,
                                      const EvidenceKey& key) {
  if (input.root == nullptr) return fail(ErrorCode::kUsage, "countersign: no trust root");
  if (input.station_software == nullptr) {
    return fail(ErrorCode::kUsage, "countersign: no station-software releases (read them from "
                                   "the evidence store with StationSoftwareReleases::in_force)");
  }
  if (auto ok = store.begin(); !ok) return std::unexpected(ok.error());
  auto result = Countersigner(store, input, key).run();
  if (!result) {
    store.rollback();
    return result;
  }
  if (auto ok = store.commit(); !ok) {
    store.rollback();
    // Committed or not, a rerun comes out as one uninterrupted run would (the crash tests,
    // tests/evidence/crash_consistency*_test.cpp): what the log holds is skipped.
    ok.error().message +=
        "; running the same countersign again is safe: it is idempotent (records the log "
        "already holds are skipped, nothing is countersigned or signed twice, and missing "
        "manifest files are written)";
    return std::unexpected(ok.error());
  }
  return result;
}

Result<v1::ManifestFile> manifest_file(const LogEntry& entry, const CheckpointRow& checkpoint,
                                       const std::string& registration_json,
                                       const verifier::merkle::NodeSource& nodes) {
  auto proof = verifier::merkle::inclusion_proof(entry.index, checkpoint.tree_size, nodes);
  if (!proof) return std::unexpected(std::move(proof).error());
  v1::ManifestFile file;
  file.set_manifest(std::string(as_chars(entry.manifest)));
  file.mutable_inclusion()->set_leaf_index(entry.index);
  file.mutable_inclusion()->set_tree_size(checkpoint.tree_size);
  for (const Digest& d : *proof) file.mutable_inclusion()->add_hashes(std::string(as_chars(d.bytes())));
  file.set_checkpoint_envelope(std::string(as_chars(checkpoint.envelope)));
  file.set_station_registration(registration_json);
  return file;
}

}  // namespace hallmark::evidence

#include "signer/cli/evidence_commands.h"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hsm-profiles/cli/token_options.h"
#include "hsm-profiles/src/token_key.h"
#include "hsm-profiles/src/token_signer.h"
#include "signer/cli/envelope_files.h"
#include "signer/cli/query_hint.h"
#include "signer/cli/query_output.h"
#include "signer/evidence/countersign.h"
#include "signer/evidence/event_findings.h"
#include "signer/evidence/known_stations.h"
#include "signer/evidence/manifest_files.h"
#include "signer/evidence/report_site.h"
#include "signer/evidence/retention.h"
#include "signer/evidence/audit_report.h"
#include "signer/evidence/weekly_report.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/time_format.h"
#include "verifier/people/roster.h"
#include "verifier/tool/display_json.h"
#include "verifier/trust/station_registration.h"

namespace hallmark::signer {
namespace {

namespace fs = std::filesystem;
using evidence::EvidenceStore;

using TrustFlags = tool::TrustRootFlags;  // --trust-root, --revocation

void add_trust_flags(CLI::App& cmd, TrustFlags& t) {
  tool::add_trust_root_flags(cmd, t, tool::TrustRootFlagUse::kSigningHost);
}

Result<verifier::Trust> load_root(const TrustFlags& t, std::int64_t now) {
  return read_trust(t.chain, t.revocations, now);
}

// --- countersign ---

struct CountersignOptions {
  std::vector<fs::path> exports;
  std::string store;
  TrustFlags trust;
  std::vector<fs::path> registrations;  // files or directories of *.json
  std::vector<fs::path> releases;       // promoted bundles
  std::vector<fs::path> station_software;  // promoted station-software releases
  std::vector<fs::path> rosters;        // person rosters (hallmark-ceremony roster)
  hsm::TokenOptions key;
  std::optional<fs::path> manifests;
  unsigned threads = 0;
  std::int64_t max_clock_offset = evidence::kDefaultMaxClockOffsetSeconds;
  std::int64_t max_export_age = evidence::kDefaultMaxExportAgeSeconds;
};

// Every registration file given (files, or directories of *.json), read and sorted. A
// directory holds what the ceremony leaves beside registrations (enrollment requests,
// transcripts): there, an envelope of another payload type is passed over (listed on
// stderr); a file named on its own must be a registration (verification says why not).
Result<evidence::KnownStations> load_stations(const std::vector<fs::path>& inputs,
                                              const verifier::TrustedRoot& root, std::int64_t now) {
  std::vector<std::pair<fs::path, bool>> paths;  // the file, whether it was named itself
  for (const fs::path& p : inputs) {
    if (fs::is_directory(p)) {
      for (const auto& e : fs::directory_iterator(p)) {
        if (e.path().extension() == ".json") paths.emplace_back(e.path(), false);
      }
    } else {
      paths.emplace_back(p, true);
    }
  }
  std::sort(paths.begin(), paths.end());
  const std::string registration_type = verifier::payload_type_of(verifier::kRegistrationType);
  std::vector<evidence::RegistrationFile> files;
  std::vector<std::string> passed_over;
  for (const auto& [path, named] : paths) {
    auto envelope = read_envelope(path);
    if (!envelope && named) return std::unexpected(envelope.error());
    if (!named && (!envelope || envelope->payload_type() != registration_type)) {
      passed_over.push_back(path.filename().string());
      continue;
    }
    files.push_back({path.string(), std::move(*envelope)});
  }
  if (!passed_over.empty()) {
    std::cerr << fmt::format("--registration: passed over {} file(s) that are not station "
                             "registrations: {}\n",
                             passed_over.size(), fmt::join(passed_over, ", "));
  }
  auto known = evidence::known_stations(files, root, now);
  if (!known) return known;
  for (const auto& [id, why] : known->invalid) {
    std::cerr << fmt::format("station \"{}\": no valid registration ({}); its exports will be "
                             "refused\n", id, why);
  }
  return known;
}

Result<void> register_releases(EvidenceStore& store, const std::vector<fs::path>& bundles,
                               const verifier::Trust& trust) {
  if (bundles.empty()) return {};
  if (auto ok = store.begin(); !ok) return ok;
  for (const fs::path& file : bundles) {
    // Evidence records what was promoted on any channel; stations choose theirs.
    auto verified = bundle::verify_promoted_bundle(file, trust, {});
    if (!verified) {
      store.rollback();
      return std::unexpected(std::move(verified).error());
    }
    if (auto ok = store.put_release(evidence::release_row(*verified)); !ok) {
      store.rollback();
      return std::unexpected(std::move(ok).error().context(file.string()));
    }
  }
  return store.commit();
}

// The evidence key on its token, opened once the first export passed its checks.
struct EvidenceToken {
  std::optional<hsm::OpenedToken> token;
  std::optional<hsm::TokenSigner> signer;
};

evidence::EvidenceKey evidence_key(const hsm::TokenOptions& options,
                                   const verifier::TrustedRoot& root,
                                   std::shared_ptr<EvidenceToken> state) {
  evidence::EvidenceKey key;
  key.open = [&options, &root, state]() -> Result<void> {
    auto token = hsm::open_token(options, true, std::cerr);
    if (!token) return std::unexpected(token.error());
    state->token.emplace(std::move(*token));
    auto found = hsm::TokenKey::find(state->token->session, state->token->uri);
    if (!found) return std::unexpected(found.error());
    if (auto ok = hsm::check_production_use(found->provenance(),
                                            state->token->profile.allow_imported_keys(),
                                            found->name(), verifier::KeyOrigin::kQuorumBackup);
        !ok) {
      return ok;
    }
    auto signer = hsm::TokenSigner::create(
        state->token->session, std::move(*found),
        hsm::pin_callback(options, "PIN for the evidence key on '" +
                                       state->token->session.token_label() + "': "));
    if (!signer) return std::unexpected(signer.error());
    const auto evidence_keys = root.role_keys(v1::EVIDENCE);
    const std::string id = signer->public_key().key_id();
    if (std::none_of(evidence_keys.begin(), evidence_keys.end(),
                     [&id](const verifier::PublicKey& k) { return k.key_id() == id; })) {
      return fail(ErrorCode::kPolicyRefused,
                  fmt::format("{}: key {} is not the trust root's evidence key; give the "
                              "evidence key's pkcs11: URI with --key", options.uri, id));
    }
    state->signer.emplace(std::move(*signer));
    return {};
  };
  key.sign = [state](ByteView payload) -> Result<v1::Envelope> {
    auto& signer = *state->signer;
    return verifier::sign_envelope(verifier::payload_type_of(evidence::kCheckpointType), payload,
                                   signer.public_key().key_id(),
                                   [&signer](ByteView pae) { return signer.sign(pae); });
  };
  return key;
}

// The person rosters the signer host issued, each verified under `root`.
Result<people::RosterHistory> load_rosters(const std::vector<fs::path>& files,
                                           const verifier::TrustedRoot& root) {
  people::RosterHistory rosters;
  for (const fs::path& file : files) {
    auto envelope = read_envelope(file);
    if (!envelope) return std::unexpected(envelope.error());
    auto roster = people::verify_roster(*envelope, root);
    if (!roster) return std::unexpected(roster.error().context(file.string()));
    if (auto ok = rosters.add(std::move(*roster)); !ok) {
      return std::unexpected(ok.error().context(file.string()));
    }
  }
  return rosters;
}

Result<void> run_countersign(const CountersignOptions& o, bool json) {
  const std::int64_t now = unix_now();
  auto root = load_root(o.trust, now);
  if (!root) return std::unexpected(root.error());
  auto stations = load_stations(o.registrations, root->root(), now);
  if (!stations) return std::unexpected(stations.error());
  auto rosters = load_rosters(o.rosters, root->root());
  if (!rosters) return std::unexpected(rosters.error());
  if (o.max_clock_offset < 0 || o.max_export_age < 0) {
    return fail(ErrorCode::kUsage, "--max-clock-offset and --max-export-age are seconds, not negative");
  }
  auto store = evidence::open_store(o.store);
  if (!store) return std::unexpected(store.error());
  if (auto ok = register_releases(**store, o.releases, *root); !ok) return ok;
  auto station_software = evidence::StationSoftwareReleases::load(o.station_software, *root);
  if (!station_software) return std::unexpected(station_software.error());

  evidence::CountersignInput input;
  input.root = &root->root();
  input.stations = std::move(stations->valid);
  input.invalid_stations = std::move(stations->invalid);
  input.rosters = std::move(*rosters);
  input.max_clock_offset_seconds = o.max_clock_offset;
  input.max_export_age_seconds = o.max_export_age;
  input.exports = o.exports;
  input.station_software = &*station_software;
  input.now_unix = now;
  input.threads = o.threads != 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  input.progress = [](std::string_view line) { std::cerr << line << '\n'; };
  auto state = std::make_shared<EvidenceToken>();
  auto result = evidence::countersign(**store, input, evidence_key(o.key, root->root(), state));
  if (!result) return std::unexpected(result.error());

  if (o.manifests) {
    auto written = evidence::write_batch_manifests(**store, *o.manifests, *result);
    if (!written) return std::unexpected(written.error());
    if (written->written + written->present > 0) {
      std::cerr << fmt::format("Wrote {} manifest files to {}{}\n", written->written,
                               o.manifests->string(),
                               written->present > 0
                                   ? fmt::format(" ({} already there, identical)", written->present)
                                   : std::string());
    }
  }
  if (json) {
    std::cout << countersign_json(*result) << '\n';
  } else {
    std::cout << render_countersign(*result);
  }
  if (result->any_refused()) {
    return fail(ErrorCode::kVerificationFailed,
                "some exports were refused (see above); the others are countersigned");
  }
  return {};
}

// --- manifests ---

struct ManifestsOptions {
  std::string store;
  fs::path out;
  std::optional<std::string> serial;
};

Result<void> run_manifests(const ManifestsOptions& o) {
  auto store = evidence::open_store(o.store);
  if (!store) return std::unexpected(store.error());
  evidence::ManifestSelection selection;
  selection.serial = o.serial;
  auto written = evidence::write_manifest_files(**store, o.out, selection);
  if (!written) return std::unexpected(written.error());
  std::cout << fmt::format("Wrote {} manifest files to {} ({} already there, identical)\n"
                           "Check one with: hallmark-verify manifest FILE --trust-root ...\n",
                           written->written, o.out.string(), written->present);
  return {};
}

// --- query, report, retention ---

struct QueryOptions {
  std::string store;
  std::optional<std::string> serial, hardware_id, station, firmware, from, to, week, result,
      finding;
  std::vector<std::string> events;
  bool exceptions = false;
  bool csv = false;
};

// An enum value by its name as the outputs print it (case-insensitive), or a usage error
// listing the names.
Result<int> enum_value(const std::string& flag, const std::string& text,
                       const google::protobuf::EnumDescriptor* names) {
  std::string upper = text;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::replace(upper.begin(), upper.end(), '-', '_');
  if (const auto* value = names->FindValueByName(upper); value != nullptr && value->number() != 0) {
    return value->number();
  }
  std::string known;
  for (int i = 1; i < names->value_count(); ++i) {
    known += (known.empty() ? "" : ", ") + names->value(i)->name();
  }
  return fail(ErrorCode::kUsage, fmt::format("{} \"{}\" is not one of {}", flag, text, known));
}

Result<void> run_query(const QueryOptions& o, bool json) {
  evidence::EntryQuery q;
  q.serial = o.serial;
  q.hardware_id = o.hardware_id;
  q.station_id = o.station;
  if (o.firmware) {
    auto digest = verifier::Digest::from_hex(*o.firmware);
    if (!digest) return fail(ErrorCode::kUsage, fmt::format("--firmware \"{}\" is not a SHA-256 in hex", *o.firmware));
    q.firmware = *digest;
  }
  for (auto [text, slot, flag] : {std::tuple{&o.from, &q.from_unix, "--from"},
                                  std::tuple{&o.to, &q.to_unix, "--to"}}) {
    if (!*text) continue;
    auto day = verifier::parse_utc_day(**text);
    if (!day) return fail(ErrorCode::kUsage, fmt::format("{} \"{}\" is not a date like 2026-11-21", flag, **text));
    *slot = *day + (slot == &q.to_unix ? 24 * 3600 : 0);  // --to is inclusive of that day
  }
  if (o.week) {
    auto monday = verifier::parse_iso_week(*o.week);
    if (!monday) return fail(ErrorCode::kUsage, fmt::format("--week \"{}\" is not an ISO week like 2026-W47", *o.week));
    q.from_unix = std::max(q.from_unix.value_or(*monday), *monday);
    q.to_unix = std::min(q.to_unix.value_or(*monday + 7 * 24 * 3600), *monday + 7 * 24 * 3600);
  }
  for (const std::string& name : o.events) {
    auto event = enum_value("--event", name, v1::Attestation::Event_descriptor());
    if (!event) return std::unexpected(event.error());
    q.events.push_back(*event);
  }
  if (o.result) {
    auto result = enum_value("--result", *o.result, v1::Attestation::Result_descriptor());
    if (!result) return std::unexpected(result.error());
    q.result = *result;
  }
  if (o.finding) {
    auto kind = enum_value("--finding", *o.finding, v1::Finding::Kind_descriptor());
    if (!kind) return std::unexpected(kind.error());
    q.finding_kind = *kind;
  }
  q.exceptions = o.exceptions;
  auto store = evidence::open_store(o.store);
  if (!store) return std::unexpected(store.error());
  const QueryFormat format = json ? QueryFormat::kJson : o.csv ? QueryFormat::kCsv : QueryFormat::kText;
  if (auto ok = print_query(**store, q, format, std::cout); !ok) return ok;
  // Nothing for that unit: name the nearest serials (or hardware ids), on stderr so that
  // CSV and JSON stay data.
  auto hint = no_match_hint(**store, q);
  if (!hint) return std::unexpected(hint.error());
  if (!hint->empty()) std::cerr << *hint << '\n';
  return {};
}

struct ReportOptions {
  std::string store;
  std::optional<std::string> week;
  std::optional<unsigned> weeks;
  std::optional<fs::path> html;
  std::vector<std::string> serials;
  std::size_t serial_pages = 500;
};

// The text table, the JSON and the site all print one evidence::AuditReport.
Result<void> run_report(const ReportOptions& o, bool json) {
  if (!o.html && (!o.serials.empty())) {
    return fail(ErrorCode::kUsage, "--serial is for --html (a unit's page); for its history as "
                                   "text: hallmark-signer query --serial SERIAL");
  }
  auto store = evidence::open_store(o.store);
  if (!store) return std::unexpected(store.error());
  evidence::AuditRange range;
  range.last_week = o.week.value_or(verifier::iso_week(unix_now()));
  range.weeks = o.weeks.value_or(o.html ? 12 : 1);
  range.max_serials = o.html ? o.serial_pages : 0;
  auto report = evidence::audit_report(**store, range);
  if (!report) return std::unexpected(report.error());
  if (o.html) {
    auto written = evidence::write_report_site(**store, *report, o.serials, *o.html, unix_now());
    if (!written) return std::unexpected(written.error());
    std::cout << fmt::format("Wrote the report for {} to {}: {} pages, {} units with their {} "
                             "manifests. Open {}\n",
                             range.weeks == 1 ? range.last_week
                                              : fmt::format("{} weeks to {}", range.weeks, range.last_week),
                             o.html->string(), written->pages, written->units, written->manifests,
                             (*o.html / "index.html").string());
    if (report->serials_truncated) {
      std::cerr << fmt::format("More than {} units had exceptions: the first {} have a page "
                               "(--serial-pages); list them all with hallmark-signer query "
                               "--exceptions\n", o.serial_pages, o.serial_pages);
    }
    return {};
  }
  if (json) {
    const auto layout = report->weeks.size() == 1 ? tool::JsonLayout::kIndented : tool::JsonLayout::kOneLine;
    for (const auto& week : report->weeks) std::cout << tool::to_display_json(week, layout) + "\n";
    return {};
  }
  std::cout << evidence::render_text_report(*report);
  return {};
}

struct RetentionOptions {
  std::string store;
  std::string day;
  fs::path out;
};

Result<void> run_retention(const RetentionOptions& o) {
  auto store = evidence::open_store(o.store);
  if (!store) return std::unexpected(store.error());
  auto written = evidence::export_segment(**store, o.day, o.out);
  if (!written) return std::unexpected(written.error());
  std::cout << fmt::format("Wrote {} (read-only): log entries {}..{} of {}, {} entries\n"
                           "Check it with: hallmark-verify log {} --trust-root ...\n",
                           written->file.string(), written->first_index,
                           written->first_index + written->entries - 1, written->tree_size,
                           written->entries, written->file.string());
  return {};
}

void add_store_flag(CLI::App& cmd, std::string& store) {
  cmd.add_option("--store", store,
                 "Evidence store: a SQLite file (or sqlite:PATH), or postgresql://... / "
                 "postgres:CONNINFO")
      ->required();
}

}  // namespace

void add_evidence_commands(tool::CommandLine& cli) {
  auto c = std::make_shared<CountersignOptions>();
  auto* cs = cli.add(cli.app(), "countersign",
                     "Verify station exports and countersign their events into the evidence "
                     "log: one evidence-key signature per batch",
                     [c, &cli] { return run_countersign(*c, cli.json()); });
  cs->add_option("exports", c->exports, "Station export files")->required();
  add_store_flag(*cs, c->store);
  add_trust_flags(*cs, c->trust);
  cs->add_option("--registration", c->registrations,
                 "Station registration file, or a directory of them (repeatable)")
      ->required();
  cs->add_option("--roster", c->rosters,
                 "Person roster issued on this host (repeatable): person statements are "
                 "checked against the one in force at each event");
  cs->add_option("--release", c->releases,
                 "Promoted bundle the signer promoted (repeatable; remembered in the store)");
  cs->add_option("--station-software", c->station_software,
                 "Promoted station-software release (repeatable): a station running one of "
                 "its programs is not drift");
  hsm::add_token_options(*cs, c->key, "--key",
                         "pkcs11: URI of the evidence key, e.g. "
                         "'pkcs11:token=signer-hsm;object=evidence'");
  cs->add_option("--manifests", c->manifests,
                 "Write each new unit's manifest with its inclusion proof into this directory");
  cs->add_option("--threads", c->threads, "Verification threads (default: every core)");
  cs->add_option("--max-clock-offset", c->max_clock_offset,
                 "Seconds an export's signed checkpoint may be ahead of this host's clock "
                 "before it is a CLOCK_OFFSET finding (default 300)");
  cs->add_option("--max-export-age", c->max_export_age,
                 "Seconds an export's signed checkpoint may be behind this host's clock "
                 "before it is a CLOCK_OFFSET finding (default 604800, a week)");

  auto m = std::make_shared<ManifestsOptions>();
  auto* mc = cli.add(cli.app(), "manifests",
                     "Write manifest files again from the evidence store (lost ones are "
                     "recreated byte-identical; existing ones are checked)",
                     [m] { return run_manifests(*m); });
  add_store_flag(*mc, m->store);
  mc->add_option("--out", m->out, "Directory for <serial>.<log index>.manifest.json")->required();
  mc->add_option("--serial", m->serial, "Only this unit's manifests");

  auto q = std::make_shared<QueryOptions>();
  auto* qc = cli.add(cli.app(), "query",
                     "Traceability: which units, stations and firmware, from the evidence store",
                     [q, &cli] { return run_query(*q, cli.json()); });
  add_store_flag(*qc, q->store);
  qc->add_option("--serial", q->serial, "A unit's serial: its whole history");
  qc->add_option("--hardware-id", q->hardware_id, "A device's hardware id");
  qc->add_option("--firmware", q->firmware,
                 "SHA-256 of an image or bundle: every unit that received it");
  qc->add_option("--station", q->station, "A station's id");
  qc->add_option("--from", q->from, "First day (YYYY-MM-DD, UTC, event time)");
  qc->add_option("--to", q->to, "Last day (YYYY-MM-DD, inclusive)");
  qc->add_option("--week", q->week, "ISO week of the event time, e.g. 2026-W47 (UTC)");
  qc->add_option("--event", q->events,
                 "Only these events (PROGRAM, REWORK, SCRAP, LINE_STOP, BREAK_GLASS, ...; "
                 "repeatable)");
  qc->add_option("--result", q->result, "Only this result (PASS, FAIL, SCRAPPED)");
  qc->add_option("--finding", q->finding,
                 "Only entries carrying a finding of this kind (CLOCK_UNSYNCED, CLAIM_MISMATCH, "
                 "...)");
  qc->add_flag("--exceptions", q->exceptions,
               "Only exceptions: failures, reworks, scraps, line stops, break-glass, take-overs, "
               "returned units and entries with findings, with who and why");
  qc->add_flag("--csv", q->csv, "CSV instead of a table");

  auto r = std::make_shared<ReportOptions>();
  auto* rc = cli.add(cli.app(), "report",
                     "Weekly indicators per station: exceptions, drift, log gaps, time-sync "
                     "failures, break-glass",
                     [r, &cli] { return run_report(*r, cli.json()); });
  add_store_flag(*rc, r->store);
  rc->add_option("--week", r->week, "ISO week, e.g. 2026-W47: the (last) week reported "
                                    "(default: this week, UTC)");
  rc->add_option("--weeks", r->weeks, "Weeks ending with --week (default 1; 12 with --html)");
  rc->add_option("--html", r->html,
                 "Write the report as a static site into this directory (self-contained: "
                 "opens offline); replaces a report written there before");
  rc->add_option("--serial-pages", r->serial_pages,
                 "With --html: the most units with exceptions that get a page with their "
                 "history and manifests (default 500)");
  rc->add_option("--serial", r->serials, "With --html: also this unit's page (repeatable)");

  auto t = std::make_shared<RetentionOptions>();
  auto* retention = cli.app().add_subcommand("retention", "Retention of the evidence log");
  retention->require_subcommand(1);
  auto* rx = cli.add(*retention, "export",
                     "Write one day's log entries as a write-once segment with checkpoints and "
                     "a consistency proof",
                     [t] { return run_retention(*t); });
  add_store_flag(*rx, t->store);
  rx->add_option("--day", t->day, "UTC day, YYYY-MM-DD")->required();
  rx->add_option("--out", t->out, "Directory for the segment")->required();
}

}  // namespace hallmark::signer

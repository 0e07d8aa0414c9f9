#include "signer/cli/evidence_commands.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hsm-profiles/cli/token_options.h"
#include "hsm-profiles/src/token_key.h"
#include "hsm-profiles/profile/production_signer.h"
#include "signer/cli/envelope_files.h"
#include "signer/cli/query_output.h"
#include "signer/cli/store_commands.h"
#include "signer/evidence/countersign.h"
#include "signer/evidence/event_findings.h"
#include "signer/evidence/known_stations.h"
#include "signer/evidence/manifest_files.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/time_format.h"
#include "verifier/people/roster.h"
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
  StoreFlag store;
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

// The evidence key on its token, opened once the first export passed its checks. Its
// provenance is checked by ProductionSigner::create(), its role in the trust root by the
// library (evidence_key.h).
evidence::EvidenceKey evidence_key(const hsm::TokenOptions& options) {
  evidence::EvidenceKey key;
  key.open = [&options]() -> Result<hsm::ProductionSigner> {
    auto token = hsm::open_token(options, true, std::cerr);
    if (!token) return std::unexpected(token.error());
    auto found = hsm::TokenKey::find(token->session, token->uri);
    if (!found) return std::unexpected(found.error());
    return hsm::ProductionSigner::create(
        token->session, std::move(*found), token->profile, hsm::ProductionRole::kEvidence,
        hsm::pin_callback(options, "PIN for the evidence key on '" +
                                       token->session.token_label() + "': "));
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
  auto store = o.store.open();
  if (!store) return std::unexpected(store.error());
  if (auto ok = register_releases(**store, o.releases, *root); !ok) return ok;
  // Every release the store holds, after recording those given (verified first).
  auto station_software =
      evidence::StationSoftwareReleases::in_force(**store, o.station_software, *root);
  if (!station_software) return std::unexpected(station_software.error());
  for (const std::string& why : station_software->passed_over()) std::cerr << why << '\n';

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
  auto result = evidence::countersign(**store, input, evidence_key(o.key));
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
  StoreFlag store;
  fs::path out;
  std::optional<std::string> serial;
};

Result<void> run_manifests(const ManifestsOptions& o) {
  auto store = o.store.open();
  if (!store) return std::unexpected(store.error());
  evidence::ManifestSelection selection;
  selection.serial = optional_id<Serial>(o.serial);  // typed where the flag enters
  auto written = evidence::write_manifest_files(**store, o.out, selection);
  if (!written) return std::unexpected(written.error());
  std::cout << fmt::format("Wrote {} manifest files to {} ({} already there, identical)\n"
                           "Check one with: hallmark-verify manifest FILE --trust-root ...\n",
                           written->written, o.out.string(), written->present);
  return {};
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
                 "Promoted station-software release (repeatable; verified, then remembered "
                 "in the store): a station running a program of a release the store holds "
                 "is not drift");
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
  add_store_commands(cli);
}

}  // namespace hallmark::signer

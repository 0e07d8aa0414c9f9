// Test support for countersigning: a programming line (tests/line: station-1 on SoftHSM,
// hallmark-devsim devices, a promoted bundle taken in, staff logged in) whose journal is
// exported with the station key, and a signer side with the evidence key on the signer-hsm
// SoftHSM token and an evidence store (SQLite in the test's directory). Events a healthy
// station would refuse to make (clones, a scrapped unit back) are recorded through the
// line's own record(), so they are signed by the station key exactly as a compromised or
// misconfigured station would sign them.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signer/evidence/countersign.h"
#include "tests/ceremony/ceremony_test_support.h"
#include "tests/line/line_test_support.h"

namespace hallmark::evidence::testing {

class EvidenceWorld {
 public:
  EvidenceWorld();
  ~EvidenceWorld();

  line::testing::LineWorld lw;
  std::unique_ptr<station::StationLine> line;
  station::LoadedRelease release;
  verifier::TrustedRoot root;
  std::unique_ptr<EvidenceStore> store;
  bool fail_signing = false;  // the evidence key refuses (a token pulled mid-batch)
  int signatures = 0;         // evidence-key signatures made
  // The promoted station-software releases countersign is given (null: those `store`
  // holds, stored_station_software()).
  const StationSoftwareReleases* station_software = nullptr;
  // StationSoftwareReleases::in_force(*store, {}, trust now), read again at each call.
  const StationSoftwareReleases& stored_station_software();

  // A unit programmed on a hallmark-devsim device (PASS expected).
  void program(const std::string& serial, const std::string& hardware_id);
  // A PROGRAM (or other) event recorded and signed by the station, bypassing the line's
  // own checks; `edit` may change it first.
  std::uint64_t record(v1::Attestation::Event event, const std::string& serial,
                       const std::string& hardware_id, bool clock_synced = true);
  // The journal since the last export, with a signed checkpoint, as DIR/<name>.
  std::filesystem::path export_now(const std::string& name);

  // Countersign `exports` with station-1 known (unless `know_station` is false) and the
  // release registered (unless `register_release` is false).
  Result<CountersignResult> countersign(const std::vector<std::filesystem::path>& exports,
                                        bool know_station = true);
  void register_release();
  // The evidence key on the signer-hsm token (refuses when fail_signing; counts signatures).
  EvidenceKey evidence_key();
  // The inputs countersign() gives, for a countersign run on another store or clock.
  CountersignInput countersign_input(const std::vector<std::filesystem::path>& exports,
                                     bool know_station = true);

  StationsById stations() const;
  // The person rosters the signer issued: the staff roster the line installed.
  people::RosterHistory rosters();
  std::filesystem::path path(const std::string& name) const { return lw.w.path(name); }
  std::int64_t now() const;

 private:
  std::unique_ptr<hallmark::testing::FixtureSigner> evidence_;
  std::optional<StationSoftwareReleases> stored_releases_;
};

// Entries matching `query`, in log order.
std::vector<LogEntry> entries(EvidenceStore& store, const EntryQuery& query = {});
EntryQuery by_serial(const std::string& serial);
EntryQuery by_hardware_id(const std::string& hardware_id);
EntryQuery by_firmware(const verifier::Digest& digest);
// The findings carried by the manifest of `entry`.
std::vector<v1::Finding> findings_of(const LogEntry& entry);
bool has_finding(const LogEntry& entry, v1::Finding::Kind kind);
// The detail of `entry`'s first finding of `kind`, or empty when it has none.
std::string detail_of(const LogEntry& entry, v1::Finding::Kind kind);
// The one log entry of `serial` in `w`'s store (REQUIREs exactly one).
LogEntry entry_of(EvidenceWorld& w, const std::string& serial);

}  // namespace hallmark::evidence::testing

#include "tests/evidence/crash_support.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "signer/evidence/event_findings.h"
#include "signer/evidence/manifest_files.h"
#include "tests/line/line_test_support.h"
#include "tests/support/production_signers.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/core/dsse.h"

namespace hallmark::evidence::testing {
namespace {

namespace fs = std::filesystem;

std::atomic<std::uint64_t> g_store_calls{0};
std::atomic<std::uint64_t> g_sqlite_io{0};
std::uint64_t g_kill_store = 0;
std::uint64_t g_kill_io = 0;
std::function<void(std::uint64_t)> g_hook;

void count_store_call() {
  const std::uint64_t n = ++g_store_calls;
  if (n == g_kill_store) ::kill(::getpid(), SIGKILL);
  if (g_hook) g_hook(n);
}

void count_sqlite_io() {
  const std::uint64_t n = ++g_sqlite_io;
  if (n == g_kill_io) ::kill(::getpid(), SIGKILL);
}

// --- a VFS that counts SQLite's writes, syncs and truncates, then forwards them ---

sqlite3_vfs* g_real_vfs = nullptr;
sqlite3_vfs g_counting_vfs;

struct CountingFile {
  sqlite3_file base;
  sqlite3_file* real;  // SQLite's own file object, right after this one
};

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<CountingFile*>(f)->real; }

int c_close(sqlite3_file* f) { return real_of(f)->pMethods->xClose(real_of(f)); }
int c_read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
  return real_of(f)->pMethods->xRead(real_of(f), b, n, o);
}
int c_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  count_sqlite_io();
  return real_of(f)->pMethods->xWrite(real_of(f), b, n, o);
}
int c_truncate(sqlite3_file* f, sqlite3_int64 size) {
  count_sqlite_io();
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int c_sync(sqlite3_file* f, int flags) {
  count_sqlite_io();
  return real_of(f)->pMethods->xSync(real_of(f), flags);
}
int c_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int c_lock(sqlite3_file* f, int l) { return real_of(f)->pMethods->xLock(real_of(f), l); }
int c_unlock(sqlite3_file* f, int l) { return real_of(f)->pMethods->xUnlock(real_of(f), l); }
int c_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int c_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int c_sector(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int c_device(sqlite3_file* f) { return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)); }

// Version 1: no shared memory (a rollback journal needs none) and no memory mapping, so
// every page SQLite changes goes through c_write.
const sqlite3_io_methods kCountingMethods = {
    1, c_close, c_read, c_write, c_truncate, c_sync, c_file_size, c_lock, c_unlock,
    c_reserved, c_control, c_sector, c_device, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};

int c_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* counting = reinterpret_cast<CountingFile*>(file);
  counting->real = reinterpret_cast<sqlite3_file*>(counting + 1);
  const int rc = g_real_vfs->xOpen(g_real_vfs, name, counting->real, flags, out_flags);
  file->pMethods = rc == SQLITE_OK ? &kCountingMethods : nullptr;
  return rc;
}

// --- a store that counts calls ---

class CountingStore final : public EvidenceStore {
 public:
  explicit CountingStore(std::unique_ptr<EvidenceStore> inner) : in_(std::move(inner)) {}

  std::string location() const override { return in_->location(); }
  Result<void> begin() override { return count(), in_->begin(); }
  Result<void> commit() override { return count(), in_->commit(); }
  void rollback() noexcept override { in_->rollback(); }
  Result<void> savepoint() override { return count(), in_->savepoint(); }
  Result<void> rollback_to_savepoint() override { return count(), in_->rollback_to_savepoint(); }
  Result<void> release_savepoint() override { return count(), in_->release_savepoint(); }
  Result<std::uint64_t> tree_size() override { return count(), in_->tree_size(); }
  Result<void> append_entry(const LogEntry& e) override { return count(), in_->append_entry(e); }
  Result<void> put_node(unsigned level, std::uint64_t index, const Digest& hash) override {
    return count(), in_->put_node(level, index, hash);
  }
  Result<Digest> node(unsigned level, std::uint64_t index) override {
    return count(), in_->node(level, index);
  }
  Result<void> add_checkpoint(const CheckpointRow& c) override { return count(), in_->add_checkpoint(c); }
  Result<std::optional<CheckpointRow>> latest_checkpoint() override {
    return count(), in_->latest_checkpoint();
  }
  Result<std::optional<CheckpointRow>> checkpoint_at(std::uint64_t size) override {
    return count(), in_->checkpoint_at(size);
  }
  Result<std::optional<CheckpointRow>> checkpoint_covering(std::uint64_t index) override {
    return count(), in_->checkpoint_covering(index);
  }
  Result<std::vector<CheckpointRow>> checkpoints_between(std::int64_t from, std::int64_t to) override {
    return count(), in_->checkpoints_between(from, to);
  }
  Result<void> for_each_entry(std::uint64_t first, std::uint64_t last,
                              const std::function<Result<void>(const LogEntry&)>& visit) override {
    count();
    return in_->for_each_entry(first, last, counted(visit));
  }
  Result<std::optional<StationHead>> station_head(const StationId& id) override {
    return count(), in_->station_head(id);
  }
  Result<void> set_station_head(const StationId& id, const StationHead& head) override {
    return count(), in_->set_station_head(id, head);
  }
  Result<std::optional<std::pair<Digest, std::uint64_t>>> station_record(
      const StationId& id, std::uint64_t sequence) override {
    return count(), in_->station_record(id, sequence);
  }
  Result<void> put_station_registration(const StationId& id, const RegistrationRow& row) override {
    return count(), in_->put_station_registration(id, row);
  }
  Result<std::vector<RegistrationRow>> station_registrations(const StationId& id) override {
    return count(), in_->station_registrations(id);
  }
  Result<UnitSightings> unit_sightings(const Serial& serial, const HardwareId& hw) override {
    return count(), in_->unit_sightings(serial, hw);
  }
  Result<void> prefetch_sightings(
      const std::vector<std::pair<Serial, HardwareId>>& units) override {
    return count(), in_->prefetch_sightings(units);
  }
  Result<void> put_release(const ReleaseRow& r) override { return count(), in_->put_release(r); }
  Result<std::optional<ReleaseRow>> release(const Digest& d) override {
    return count(), in_->release(d);
  }
  Result<bool> put_station_software(const StationSoftwareRow& r) override {
    return count(), in_->put_station_software(r);
  }
  Result<std::vector<StationSoftwareRow>> station_software_releases() override {
    return count(), in_->station_software_releases();
  }
  Result<void> add_finding(const FindingRow& f) override { return count(), in_->add_finding(f); }
  Result<std::vector<FindingRow>> findings_between(std::int64_t from, std::int64_t to) override {
    return count(), in_->findings_between(from, to);
  }
  Result<void> query(const EntryQuery& q,
                     const std::function<Result<void>(const LogEntry&)>& visit) override {
    count();
    return in_->query(q, counted(visit));
  }

 private:
  static void count() { count_store_call(); }
  static std::function<Result<void>(const LogEntry&)> counted(
      const std::function<Result<void>(const LogEntry&)>& visit) {
    return [&visit](const LogEntry& e) {
      count_store_call();
      return visit(e);
    };
  }
  std::unique_ptr<EvidenceStore> in_;
};

std::string hex(ByteView bytes) {
  std::string out;
  for (std::byte b : bytes) out += fmt::format("{:02x}", static_cast<unsigned>(b));
  return out;
}

template <typename T>
T must(Result<T> r) {
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  return std::move(*r);
}

}  // namespace

void reset_counts() {
  g_store_calls = 0;
  g_sqlite_io = 0;
}

Counts counts() { return Counts{g_store_calls.load(), g_sqlite_io.load()}; }

void kill_at(KillPoint point, std::uint64_t n) {
  (point == KillPoint::kStoreCall ? g_kill_store : g_kill_io) = n;
}

void on_store_call(std::function<void(std::uint64_t)> hook) { g_hook = std::move(hook); }

void install_counting_vfs() {
  if (g_real_vfs != nullptr) return;
  g_real_vfs = sqlite3_vfs_find(nullptr);
  REQUIRE(g_real_vfs != nullptr);
  g_counting_vfs = *g_real_vfs;  // same paths, randomness, clock, app data
  g_counting_vfs.iVersion = std::min(g_real_vfs->iVersion, 3);
  g_counting_vfs.szOsFile = static_cast<int>(sizeof(CountingFile)) + g_real_vfs->szOsFile;
  g_counting_vfs.zName = "hallmark-counting";
  g_counting_vfs.pNext = nullptr;
  g_counting_vfs.xOpen = c_open;
  REQUIRE(sqlite3_vfs_register(&g_counting_vfs, 1) == SQLITE_OK);
}

std::unique_ptr<EvidenceStore> counting_store(std::unique_ptr<EvidenceStore> inner) {
  return std::make_unique<CountingStore>(std::move(inner));
}

std::string dump_store(EvidenceStore& store) {
  std::string out;
  const std::uint64_t size = must(store.tree_size());
  out += fmt::format("size {}\n", size);
  auto entries = store.for_each_entry(0, size, [&out](const LogEntry& e) -> Result<void> {
    std::string firmware;
    for (const auto& d : e.firmware) firmware += d.hex() + ",";
    out += fmt::format("entry {} leaf={} manifest={} {}/{} record={} serial={} hw={} bundle={} "
                       "event={} result={} time={} countersigned={} synced={} firmware={} "
                       "findings={}\n",
                       e.index, e.leaf_hash.hex(), hex(e.manifest), e.station_id,
                       e.station_sequence, e.record_hash.hex(), e.serial, e.hardware_id,
                       hex(e.bundle_digest), e.event, e.result, e.event_unix,
                       e.countersigned_unix, e.clock_synced, firmware, e.finding_count);
    return {};
  });
  REQUIRE_MESSAGE(entries.has_value(), (entries ? "" : entries.error().message));
  for (unsigned level = 0; level < 64 && (size >> level) > 0; ++level) {
    for (std::uint64_t i = 0; i < (size >> level); ++i) {
      auto node = store.node(level, i);
      out += fmt::format("node {}/{} {}\n", level, i, node ? node->hex() : "MISSING");
    }
  }
  for (const auto& c : must(store.checkpoints_between(INT64_MIN, INT64_MAX))) {
    out += fmt::format("checkpoint {} {} {} {}\n", c.tree_size, c.root_hash.hex(), c.time_unix,
                       hex(c.envelope));
  }
  for (const auto& f : must(store.findings_between(INT64_MIN, INT64_MAX))) {
    out += fmt::format("finding {} {} {} {} {} {}\n", f.time_unix, f.event_unix, f.station_id,
                       f.kind, f.log_index ? std::to_string(*f.log_index) : "-", hex(f.finding));
  }
  const auto head = must(store.station_head(StationId(line::testing::kStationId)));
  if (head) {
    out += fmt::format("head {} {} {} {}\n", head->sequence, head->record_hash.hex(),
                       head->last_event_unix, hex(head->device_tool));
  }
  for (const auto& r : must(store.station_registrations(StationId(line::testing::kStationId)))) {
    out += fmt::format("registration {} {}\n", r.from_index, r.envelope);
  }
  return out;
}

DirContents read_dir(const fs::path& dir) {
  DirContents out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(".")) {
      out.hidden.push_back(name);
      continue;
    }
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    out.files[name] = bytes.str();
  }
  return out;
}

CrashScenario::CrashScenario() {
  w.program("SN-0001", "HW-A1");
  w.program("SN-0002", "HW-A2");
  base = w.export_now("base.export");
  w.program("SN-0003", "HW-A3");
  w.program("SN-0004", "HW-A4");
  batch.push_back(w.export_now("batch-1.export"));
  w.program("SN-0005", "HW-A5");
  w.record(v1::Attestation::SCRAP, "SN-0004", "HW-A4");
  w.program("SN-0006", "HW-A6");
  batch.push_back(w.export_now("batch-2.export"));
  now = w.now();
}

void CrashScenario::prepare(const std::string& location, const fs::path& manifests) {
  auto verified = bundle::verify_promoted_bundle(w.lw.promoted, w.lw.w.trust(now), {});
  REQUIRE_MESSAGE(verified, (verified ? "" : verified.error().message));
  {
    auto store = open_store(location);
    REQUIRE_MESSAGE(store, (store ? "" : store.error().message));
    REQUIRE((*store)->begin());
    REQUIRE((*store)->put_release(release_row(*verified)));
    REQUIRE((*store)->commit());
  }
  auto done = run(location, {base}, manifests, true);
  REQUIRE_MESSAGE(done, (done ? "" : done.error().message));
  REQUIRE(done->new_size > 0);
}

Result<CountersignResult> CrashScenario::run(const std::string& location,
                                             const std::vector<fs::path>& exports,
                                             const fs::path& manifests, bool may_sign_for_real) {
  auto opened = open_store(location);
  if (!opened) return std::unexpected(opened.error());
  auto store = counting_store(std::move(*opened));
  CountersignInput input = w.countersign_input(exports);
  input.now_unix = now;
  EvidenceKey real = w.evidence_key();
  EvidenceKey key;
  key.open = [&]() -> Result<hsm::ProductionSigner> {
    auto evidence_signer = real.open();
    if (!evidence_signer) return evidence_signer;
    return hsm::ProductionSignerTestAccess::unchecked(
        hsm::ProductionRole::kEvidence, evidence_signer->public_key(),
        [&, signer = *evidence_signer](ByteView pae) -> Result<Bytes> {
          const Bytes p(pae.begin(), pae.end());
          if (auto known = signed_.find(p); known != signed_.end()) return known->second;
          if (!may_sign_for_real) {
            return fail(ErrorCode::kInternal, "crash test: a checkpoint payload the reference "
                                              "run did not sign (the rerun's log differs)");
          }
          auto signature = signer.sign(pae);
          if (signature) signed_.emplace(p, *signature);
          return signature;
        });
  };
  auto result = countersign(*store, input, key);
  if (!result) return result;
  auto written = write_batch_manifests(*store, manifests, *result);
  if (!written) return std::unexpected(written.error());
  return result;
}

bool run_killed(KillPoint point, std::uint64_t n, const std::function<int()>& body,
                std::string& why) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    reset_counts();
    kill_at(point, n);
    const int rc = body();
    ::_exit(rc == 0 ? 100 : rc);  // finished: never killed
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) return true;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 100) {
    why = "the run finished before its kill point";
  } else if (WIFEXITED(status)) {
    why = fmt::format("the run failed (exit {})", WEXITSTATUS(status));
  } else {
    why = fmt::format("the run died of signal {}", WTERMSIG(status));
  }
  return false;
}

}  // namespace hallmark::evidence::testing

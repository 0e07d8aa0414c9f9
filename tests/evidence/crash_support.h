// Crash consistency of countersign: a batch run in a child process that is killed with
// SIGKILL at its N-th write, then run again in the test's process, for every N (or a
// stride of them). Two kinds of kill points:
//   - kStoreCall: before the N-th call into the evidence store (every read and write, the
//     savepoints and the commit) or the N-th entry a manifest walk visits (between two
//     manifest files), through a store that counts calls (KillingStore);
//   - kSqliteIo: before the N-th write, sync or truncate SQLite makes on any of its files
//     (the database and its rollback journal: inside the commit, inside a cache spill),
//     through a VFS that counts them and forwards to SQLite's own (registered by the test,
//     nothing in the product).
// After the kill the store must hold exactly the batch or exactly nothing of it; after
// the rerun the store (every entry, node, checkpoint, finding, head and registration) and
// the manifest files must be byte-identical to those of a run that was never killed.
//
// The evidence key signs in the reference run only: a forked child must not use its
// parent's PKCS#11 session, so the killed runs and reruns are given the reference's
// signature for the same checkpoint payload (any other payload is refused, failing the
// run). The clock is fixed for all runs, so the manifests (countersign time) and the
// checkpoint payload do not depend on when a run happened.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "signer/evidence/countersign.h"
#include "tests/evidence/evidence_test_support.h"

namespace hallmark::evidence::testing {

enum class KillPoint { kStoreCall, kSqliteIo };

// Calls and I/O counted so far in this process (since reset_counts()).
struct Counts {
  std::uint64_t store_calls = 0;
  std::uint64_t sqlite_io = 0;
};
void reset_counts();
Counts counts();
// Arms the kill: SIGKILL this process before store call / SQLite I/O number `n` (0: never).
void kill_at(KillPoint point, std::uint64_t n);
// Called with the call's number before every counted store call (empty: none).
void on_store_call(std::function<void(std::uint64_t)> hook);
// Makes SQLite open every file through the counting VFS (once per process).
void install_counting_vfs();

// The evidence store behind `inner`, counting every call (and every entry a walk visits).
std::unique_ptr<EvidenceStore> counting_store(std::unique_ptr<EvidenceStore> inner);

// Every row of the store as text: entries (manifest bytes included), the complete Merkle
// nodes, checkpoints (envelopes included), findings, station-1's head and registrations.
std::string dump_store(EvidenceStore& store);
// Files in `dir` by name (names starting with '.' — a temporary file left by a kill —
// are listed apart).
struct DirContents {
  std::map<std::string, std::string> files;
  std::vector<std::string> hidden;
};
DirContents read_dir(const std::filesystem::path& dir);

// A station line with three exports: `base` (countersigned before each crash) and `batch`
// (two exports countersigned in the batch that is killed).
class CrashScenario {
 public:
  CrashScenario();

  EvidenceWorld w;
  std::filesystem::path base;
  std::vector<std::filesystem::path> batch;
  std::int64_t now = 0;

  // Opens `location`, registers the release, countersigns `base` and writes its manifests
  // into `manifests` (a fresh store: the state every crash starts from).
  void prepare(const std::string& location, const std::filesystem::path& manifests);
  // One countersign run of `exports` on `location` (through a counting store) with its
  // manifest files; signs with the evidence key when `may_sign_for_real`, else only
  // payloads the key signed before.
  Result<CountersignResult> run(const std::string& location,
                                const std::vector<std::filesystem::path>& exports,
                                const std::filesystem::path& manifests, bool may_sign_for_real);

 private:
  std::map<Bytes, Bytes> signed_;  // PAE of a checkpoint -> its signature
};

// Runs `body` in a forked child killed at `point` number `n`; true when the child died of
// SIGKILL, false (with why) when it finished or failed instead.
bool run_killed(KillPoint point, std::uint64_t n, const std::function<int()>& body,
                std::string& why);

}  // namespace hallmark::evidence::testing

// Test support for the evidence store: a sample log, a text form of every row (so two
// backends' answers compare as strings), throwaway SQLite files and PostgreSQL databases.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "signer/store/evidence_store.h"

namespace hallmark::evidence::test {

// A digest of 32 copies of `fill`.
Digest digest_of(unsigned fill);

// Entry `index` of the sample log (see sample_log()).
LogEntry sample_entry(std::uint64_t index);
// A small log exercising every column: two stations, units programmed, reworked and
// scrapped, a clone (a serial seen on a second hardware id), a login without a unit,
// entries with and without bundles and firmware (one listing a digest twice).
std::vector<LogEntry> sample_log();

std::string describe(const LogEntry& entry);
std::string describe(const CheckpointRow& checkpoint);
std::string describe(const FindingRow& finding);
std::string describe(const std::vector<SeenWith<HardwareId>>& rows);
std::string describe(const std::vector<SeenWith<Serial>>& rows);
std::string describe_query(EvidenceStore& store, const EntryQuery& query);  // fails the test on error

// Where a scenario's store lives; location() is the same on every call (reopen).
class Backend {
 public:
  virtual ~Backend() = default;
  [[nodiscard]] virtual std::string location() const = 0;
  // Runs SQL on the database behind the store's back (for damage and version tests).
  virtual void raw_exec(const std::string& sql) = 0;
  [[nodiscard]] std::unique_ptr<EvidenceStore> open() const;  // fails the test on error
};

// A fresh SQLite file in a fresh temporary directory, removed at the end.
class SqliteBackend final : public Backend {
 public:
  SqliteBackend();
  ~SqliteBackend() override;
  [[nodiscard]] std::string location() const override { return "sqlite:" + path_.string(); }
  void raw_exec(const std::string& sql) override;
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path path_;
};

// A fresh database on the test server (the conninfo in the file named by
// HALLMARK_TEST_POSTGRES_FILE, or the conninfo in HALLMARK_TEST_POSTGRES), dropped at the end.
class PostgresBackend final : public Backend {
 public:
  PostgresBackend();
  ~PostgresBackend() override;
  [[nodiscard]] std::string location() const override { return "postgres:" + conninfo_; }
  void raw_exec(const std::string& sql) override;

 private:
  std::string server_;    // conninfo of the server's `hallmark` database
  std::string database_;
  std::string conninfo_;  // of this backend's database
};

std::filesystem::path make_temp_dir();

}  // namespace hallmark::evidence::test

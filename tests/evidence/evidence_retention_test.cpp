// Retention segments and the weekly report over a log countersigned from real station
// exports: a segment verifies entry by entry against its checkpoints and is write-once;
// the report counts what the station did.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>

#include "hallmark/evidence.pb.h"
#include "signer/evidence/retention.h"
#include "signer/evidence/weekly_report.h"
#include "tests/evidence/evidence_test_support.h"
#include "verifier/core/time_format.h"
#include "verifier/io/file_io.h"
#include "verifier/log/merkle.h"

namespace hallmark::evidence::testing {
namespace {

namespace fs = std::filesystem;
namespace merkle = verifier::merkle;

v1::LogSegment read_segment(const fs::path& file) {
  auto bytes = fileio::read_file(file, 64u << 20);
  REQUIRE(bytes);
  v1::LogSegment segment;
  REQUIRE(segment.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())));
  return segment;
}

}  // namespace

TEST_CASE("retention: a day's segment holds every entry and rebuilds the checkpoint's root and cannot be overwritten") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  auto first = w.countersign({w.export_now("first.export")});
  REQUIRE(first);
  w.program("SN-0002", "HW-B2");
  auto second = w.countersign({w.export_now("second.export")});
  REQUIRE(second);
  REQUIRE(second->checkpoint);

  const std::string day = verifier::utc_day(w.now());
  const fs::path dir = w.path("retention");
  auto written = export_segment(*w.store, day, dir);
  REQUIRE_MESSAGE(written, (written ? "" : written.error().message));
  CHECK(written->first_index == 0);
  CHECK(written->tree_size == second->checkpoint->tree_size);
  struct stat st {};
  REQUIRE(::stat(written->file.c_str(), &st) == 0);
  CHECK_MESSAGE((st.st_mode & 0222) == 0, "a retention segment is read-only");

  const v1::LogSegment segment = read_segment(written->file);
  CHECK(segment.day() == day);
  REQUIRE(static_cast<std::uint64_t>(segment.entries_size()) == written->tree_size);
  merkle::Frontier tree;
  for (const auto& entry : segment.entries()) tree.append(merkle::leaf_hash(as_bytes(entry)));
  CHECK(tree.root() == second->checkpoint->root_hash);

  // Write-once: a second export of the same day is refused and the file is unchanged.
  auto again = export_segment(*w.store, day, dir);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kIo);
  CHECK(again.error().message.find("write-once") != std::string::npos);
  CHECK(read_segment(written->file).SerializeAsString() == segment.SerializeAsString());

  // A day with nothing countersigned has no segment.
  auto empty = export_segment(*w.store, "2001-01-01", dir);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == ErrorCode::kPolicyRefused);
}

TEST_CASE("report: the week's indicators count units and line stops and scraps and clock and log-gap findings per station") {
  EvidenceWorld w;
  w.program("SN-0001", "HW-A1");
  w.program("SN-0002", "HW-B2");
  w.record(v1::Attestation::SCRAP, "SN-0003", "HW-C3");
  w.record(v1::Attestation::PROGRAM, "SN-0004", "HW-D4", /*clock_synced=*/false);
  const auto first = w.export_now("first.export");
  w.program("SN-0005", "HW-E5");
  const auto second = w.export_now("second.export");
  REQUIRE(w.countersign({second}));  // refused: a gap (counts as a log gap this week)
  REQUIRE(w.countersign({first, second}));

  auto report = weekly_report(*w.store, verifier::iso_week(w.now()));
  REQUIRE_MESSAGE(report, (report ? "" : report.error().message));
  REQUIRE(report->stations_size() == 1);
  const auto& s = report->stations(0);
  CHECK(s.station_id() == line::testing::kStationId);
  CHECK(s.units_passed() == 4);
  CHECK(s.scraps() == 1);
  CHECK(s.time_sync_failures() == 1);
  CHECK(s.log_gaps() == 1);
  CHECK(s.failures() == 0);
  CHECK(render_weekly_report(*report).find(line::testing::kStationId) != std::string::npos);

  // Another week is empty; a malformed week is a usage error.
  auto other = weekly_report(*w.store, "2001-W02");
  REQUIRE(other);
  CHECK(other->stations_size() == 0);
  auto bad = weekly_report(*w.store, "2026-47");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::kUsage);
}

}  // namespace hallmark::evidence::testing

// A station programming on a full disk (its state directory moved onto a small tmpfs the
// test mounts and binds over it; skipped where mounting is not permitted): the journal
// cannot take the unit's record. Programming ends with an error naming the journal file
// and saying the disk is full, no PASS; the journal opens and verifies (the partial record
// cut, the cut recorded), and with space again the line programs the next unit.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>

#include "tests/line/line_test_support.h"
#include "tests/support/tmpfs_mount.h"

namespace hallmark::line::testing {
namespace {

namespace fs = std::filesystem;
using hallmark::testing::TmpfsMount;

}  // namespace

TEST_CASE("station program on a full disk under its journal ends with an error naming the journal, no PASS and no partial record; with space it programs again") {
  LineWorld lw;
  TmpfsMount disk(lw.w.path("disk"), 16u << 20);
  if (!disk.mounted()) {
    MESSAGE("SKIPPED: " << disk.why());
    return;
  }
  fs::copy(lw.state, disk.dir() / "state", fs::copy_options::recursive);
  REQUIRE(disk.bind(disk.dir() / "state", lw.state));

  station::JournalHead head;
  {
    auto line = lw.open_line();
    lw.staff(*line);
    const auto release = lw.release(*line);
    auto sim = lw.device("HW-F1");
    program(*line, release, *sim, "SN-F1");
    head = line->journal().head();

    disk.fill(0);
    auto sim2 = lw.device("HW-F2");
    auto r = try_program(*line, release, *sim2, "SN-F2");
    disk.free();
    if (r) {
      CHECK(r->verdict != station::UnitVerdict::kPass);
      CHECK_MESSAGE(r->detail.find("journal") != std::string::npos, r->detail);
      CHECK_MESSAGE(r->detail.find(lw.state.string()) != std::string::npos, r->detail);
    } else {
      CHECK(r.error().code == ErrorCode::kIo);
      CHECK_MESSAGE(r.error().message.find(lw.state.string()) != std::string::npos,
                    r.error().message);
      CHECK_MESSAGE(r.error().message.find("No space left") != std::string::npos,
                    r.error().message);
    }
  }
  // The journal opens and verifies. The part of the unit's record the disk took is cut,
  // and the line signs the cut as its first record (station_line.cpp: every repair is in
  // the evidence): one record more than before, and it is not the unit's.
  auto line = lw.open_line();
  CHECK(line->journal().head().sequence == head.sequence + 1);
  CHECK(line->journal().head().hash != head.hash);
  const auto release = lw.release(*line);
  auto sim3 = lw.device("HW-F3");
  auto ok = program(*line, release, *sim3, "SN-F3");
  CHECK(ok.verdict == station::UnitVerdict::kPass);
}

}  // namespace hallmark::line::testing

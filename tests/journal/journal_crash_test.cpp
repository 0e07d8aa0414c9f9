// Faults while appending: kill -9 at a random moment, and a write the file system refuses.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <random>

#include "station-agent/journal/journal.h"
#include "tests/journal/journal_test_util.h"

namespace hallmark::station {
namespace {

using testing::envelope_for;
using testing::TempDir;

constexpr std::string_view kStation = "line-7-station-2";

// Appends forever, reporting each sequence on `out` only after append() returned it.
[[noreturn]] void append_forever(const std::filesystem::path& path, int out) {
  auto journal = Journal::open(path, StationId(kStation));
  if (!journal) ::_exit(2);
  for (std::uint64_t i = 1;; ++i) {
    auto seq = journal->append(envelope_for(i, 100 + (i * 37) % 5000));
    if (!seq) ::_exit(3);
    const std::uint64_t value = *seq;
    if (::write(out, &value, sizeof value) != static_cast<ssize_t>(sizeof value)) ::_exit(4);
  }
}

TEST_CASE("journal: kill -9 during appends loses no record reported committed") {
  TempDir dir;
  const auto path = dir.path() / "journal";
  std::mt19937 rng(std::random_device{}());
  std::uint64_t reported_max = 0;
  for (int round = 0; round < 5; ++round) {
    CAPTURE(round);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(fds[0]);
      append_forever(path, fds[1]);
    }
    ::close(fds[1]);
    const auto wait_reports = std::uniform_int_distribution<int>(1, 60)(rng);
    std::uint64_t value = 0;
    for (int i = 0; i < wait_reports; ++i) {
      REQUIRE(::read(fds[0], &value, sizeof value) == static_cast<ssize_t>(sizeof value));
      reported_max = value;
    }
    ::usleep(std::uniform_int_distribution<useconds_t>(0, 3000)(rng));
    REQUIRE(::kill(child, SIGKILL) == 0);
    while (::read(fds[0], &value, sizeof value) == static_cast<ssize_t>(sizeof value)) {
      reported_max = value;
    }
    ::close(fds[0]);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));  // died by the kill, not by an append failure

    auto journal = Journal::open(path, StationId(kStation));
    REQUIRE(journal.has_value());
    CHECK(journal->head().sequence >= reported_max);
    auto cursor = journal->records_since(0);
    REQUIRE(cursor.has_value());
    std::uint64_t count = 0;
    for (;;) {
      auto entry = cursor->next();
      REQUIRE(entry.has_value());  // sequence and chain re-verified
      if (!entry->has_value()) break;
      ++count;
    }
    CHECK(count == journal->head().sequence);
  }
}

// Lowers RLIMIT_FSIZE (with SIGXFSZ ignored, so write() fails with EFBIG or comes up
// short instead of killing the process) and restores it.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t limit) {
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved_) == 0);
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit lowered = saved_;
    lowered.rlim_cur = limit;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &lowered) == 0);
  }
  ~FileSizeLimit() {
    (void)::setrlimit(RLIMIT_FSIZE, &saved_);
    (void)::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  sighandler_t old_handler_ = SIG_DFL;
};

TEST_CASE("journal: a write the file system refuses stops the line and commits nothing") {
  for (rlim_t headroom : {rlim_t{0}, rlim_t{100}}) {  // EFBIG, then a short write
    CAPTURE(headroom);
    TempDir dir;
    const auto path = dir.path() / "journal";
    JournalHead before;
    {
      auto journal = Journal::open(path, StationId(kStation));
      REQUIRE(journal.has_value());
      REQUIRE(journal->append(envelope_for(1)).has_value());
      before = journal->head();
      {
        FileSizeLimit limit(static_cast<rlim_t>(std::filesystem::file_size(path)) + headroom);
        auto failed = journal->append(envelope_for(2, 1000));
        REQUIRE_FALSE(failed.has_value());
        CHECK(failed.error().code == ErrorCode::kIo);
        CHECK(failed.error().message.find(path.string()) != std::string::npos);
        CHECK(failed.error().message.find("line must stop") != std::string::npos);
      }
      CHECK(journal->head().sequence == before.sequence);
      CHECK(journal->head().hash == before.hash);
      auto again = journal->append(envelope_for(2));  // refused until reopened
      REQUIRE_FALSE(again.has_value());
      CHECK(again.error().message.find("reopen") != std::string::npos);
    }
    auto reopened = Journal::open(path, StationId(kStation));
    REQUIRE(reopened.has_value());
    CHECK(reopened->head().sequence == 1);
    CHECK(reopened->recovered_tail().has_value() == (headroom > 0));
    if (headroom > 0) CHECK(reopened->recovered_tail()->bytes == headroom);
    auto seq = reopened->append(envelope_for(2));
    REQUIRE(seq.has_value());
    CHECK(*seq == 2);
  }
}

}  // namespace
}  // namespace hallmark::station

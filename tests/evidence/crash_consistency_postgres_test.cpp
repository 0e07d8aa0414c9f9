// Countersign on PostgreSQL killed with SIGKILL at store calls of a batch and run again
// (crash_support.h), and its connection dropped mid-batch by the server (another session
// terminates it): a clear error naming the store, and nothing of the batch in it; and its
// connection lost while COMMIT's reply is awaited (a relay that cuts it): an error saying
// the outcome is unknown and that running countersign again is safe, which the rerun shows.
// Label postgres: the CTest fixture starts and stops the server
// (tests/support/postgres_server.sh).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/evidence/crash_support.h"
#include "tests/store/store_test_support.h"

namespace hallmark::evidence::testing {
namespace {

namespace fs = std::filesystem;
using test::PostgresBackend;

std::string open_dump(const std::string& location) {
  auto store = open_store(location);
  REQUIRE_MESSAGE(store, (store ? "" : store.error().message));
  return dump_store(**store);
}

struct Reference {
  std::string before;
  std::string after;
  DirContents files;
  std::uint64_t store_calls = 0;
  std::uint64_t new_size = 0;
};

Reference reference(CrashScenario& s, const fs::path& dir) {
  PostgresBackend backend;
  Reference ref;
  s.prepare(backend.location(), dir / "ref-manifests");
  ref.before = open_dump(backend.location());
  reset_counts();
  auto done = s.run(backend.location(), s.batch, dir / "ref-manifests", true);
  ref.store_calls = counts().store_calls;
  REQUIRE_MESSAGE(done, (done ? "" : done.error().message));
  REQUIRE(done->signatures == 1);
  ref.new_size = done->new_size;
  ref.after = open_dump(backend.location());
  ref.files = read_dir(dir / "ref-manifests");
  REQUIRE(ref.files.files.size() >= 6);
  return ref;
}

constexpr const char* kTerminateOthers =
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()";

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// A Unix-socket relay in front of the test server that, once armed, cuts a client's
// connection at the first COMMIT the client sends: before passing it on (nothing is
// committed) or just after (the server commits; its reply never reaches the client). The
// client cannot tell which happened: that is the case under test.
class CommitCutter {
 public:
  enum class When { kBeforeCommit, kAfterCommit };

  CommitCutter(const std::string& location, When when) : when_(when), dir_(test::make_temp_dir()) {
    std::istringstream words(location.substr(location.find(':') + 1));
    for (std::string word; words >> word;) {
      if (word.starts_with("host=")) server_dir_ = word.substr(5);
      if (word.starts_with("port=")) port_ = word.substr(5);
    }
    REQUIRE_MESSAGE(!server_dir_.empty(), "the test server's conninfo names no socket directory");
    if (port_.empty()) port_ = "5432";
    listen_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_un own = address(dir_.string());
    REQUIRE(::bind(listen_, reinterpret_cast<const sockaddr*>(&own), sizeof own) == 0);
    REQUIRE(::listen(listen_, 8) == 0);
    REQUIRE(::pipe2(stop_, O_CLOEXEC) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~CommitCutter() {
    (void)write_all(stop_[1], "x", 1);
    thread_.join();
    for (auto& relay : relays_) relay.join();
    ::close(listen_);
    ::close(stop_[0]);
    ::close(stop_[1]);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  CommitCutter(const CommitCutter&) = delete;
  CommitCutter& operator=(const CommitCutter&) = delete;

  // The store location through the relay (libpq takes the last host= given).
  [[nodiscard]] std::string location(const std::string& direct) const {
    return direct + " host=" + dir_.string();
  }
  void arm() { armed_ = true; }
  [[nodiscard]] bool cut() const { return cut_; }

 private:
  sockaddr_un address(const std::string& dir) const {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    const std::string path = dir + "/.s.PGSQL." + port_;
    REQUIRE(path.size() < sizeof a.sun_path);
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    return a;
  }

  void serve() {
    for (;;) {
      pollfd fds[2] = {{listen_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[1].revents != 0) return;
      const int client = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      const int server = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const sockaddr_un a = address(server_dir_);
      if (::connect(server, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      relays_.emplace_back([this, client, server] { relay(client, server); });
    }
  }

  void relay(int client, int server) {
    // libpq's simple query "COMMIT": 'Q', length 11 (big-endian), the text and its NUL.
    static constexpr std::string_view kCommit{"Q\0\0\0\x0b" "COMMIT\0", 12};
    std::string tail;  // the client's last bytes, for a COMMIT split across two reads
    std::vector<char> buffer(1 << 16);
    for (;;) {
      pollfd fds[3] = {{client, POLLIN, 0}, {server, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(fds, 3, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[2].revents != 0) break;
      if (fds[1].revents != 0) {
        const ssize_t n = ::read(server, buffer.data(), buffer.size());
        if (n <= 0 || !write_all(client, buffer.data(), static_cast<std::size_t>(n))) break;
      }
      if (fds[0].revents == 0) continue;
      const ssize_t n = ::read(client, buffer.data(), buffer.size());
      if (n <= 0) break;
      const std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
      if (armed_ && !cut_) {
        const std::string seen = tail + std::string(chunk);
        if (const auto at = seen.find(kCommit); at != std::string::npos) {
          const std::size_t start = at > tail.size() ? at - tail.size() : 0;
          const std::size_t end = at + kCommit.size() - tail.size();
          (void)write_all(server, chunk.data(), when_ == When::kAfterCommit ? end : start);
          cut_ = true;
          break;  // both ends closed: the client's COMMIT never gets its reply
        }
        tail = seen.substr(seen.size() - std::min(seen.size(), kCommit.size() - 1));
      }
      if (!write_all(server, chunk.data(), chunk.size())) break;
    }
    ::close(client);
    ::close(server);
  }

  const When when_;
  const fs::path dir_;
  std::string server_dir_;
  std::string port_;
  int listen_ = -1;
  int stop_[2] = {-1, -1};
  std::atomic<bool> armed_{false};
  std::atomic<bool> cut_{false};
  std::vector<std::thread> relays_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("postgres: countersign killed at store calls of a batch loses nothing committed, writes nothing twice, and its rerun makes the log and manifests of an uninterrupted run") {
  CrashScenario s;
  const fs::path dir = s.w.path("crash");
  const Reference ref = reference(s, dir);
  REQUIRE(ref.store_calls > 10);
  // Every 4th call (a fresh database each), and the last ones: the commit, the manifests.
  std::vector<std::uint64_t> points;
  for (std::uint64_t n = 1; n <= ref.store_calls; n += 4) points.push_back(n);
  for (std::uint64_t n = ref.store_calls > 12 ? ref.store_calls - 12 : 1; n <= ref.store_calls; ++n) {
    points.push_back(n);
  }
  MESSAGE(fmt::format("{} store calls in the batch; the test kills at {} of them",
                      ref.store_calls, points.size()));
  unsigned committed = 0;
  for (const std::uint64_t n : points) {
    CAPTURE(n);
    PostgresBackend backend;
    const fs::path manifests = dir / fmt::format("manifests-{}", n);
    s.prepare(backend.location(), manifests);
    std::string why;
    const bool killed = run_killed(KillPoint::kStoreCall, n, [&] {
      return s.run(backend.location(), s.batch, manifests, false) ? 0 : 1;
    }, why);
    REQUIRE_MESSAGE(killed, why);
    // The server rolls back what the killed client left open; the rerun's begin() waits
    // for it (the store's write lock).
    auto again = s.run(backend.location(), s.batch, manifests, false);
    REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
    const bool was_committed = again->signatures == 0;
    committed += was_committed ? 1 : 0;
    CHECK(again->new_size == ref.new_size);
    CHECK(open_dump(backend.location()) == ref.after);
    CHECK(read_dir(manifests).files == ref.files.files);
    fs::remove_all(manifests);
  }
  CHECK(committed > 0);
}

TEST_CASE("postgres: a connection dropped by the server mid-batch ends countersign with an error naming the store, and nothing of the batch is in it") {
  CrashScenario s;
  const fs::path dir = s.w.path("drop");
  const Reference ref = reference(s, dir);
  // Calls before the batch's commit: a drop there must leave nothing.
  unsigned refused = 0;
  for (std::uint64_t n = 2; n < ref.store_calls; n += std::max<std::uint64_t>(1, ref.store_calls / 12)) {
    CAPTURE(n);
    PostgresBackend backend;
    const fs::path manifests = dir / fmt::format("manifests-{}", n);
    s.prepare(backend.location(), manifests);
    const DirContents files_before = read_dir(manifests);
    on_store_call([&backend, n](std::uint64_t call) {
      if (call == n) backend.raw_exec(kTerminateOthers);
    });
    reset_counts();
    auto r = s.run(backend.location(), s.batch, manifests, false);
    on_store_call({});
    const std::string now = open_dump(backend.location());
    if (r) {
      // Dropped after the commit, while manifest files were written: the batch is whole.
      CHECK(now == ref.after);
      continue;
    }
    ++refused;
    CHECK(r.error().code == ErrorCode::kIo);
    CHECK_MESSAGE(r.error().message.find(backend.location()) != std::string::npos,
                  r.error().message);
    if (now == ref.after) {
      // The connection went while the manifest files were being written: the batch is
      // committed; the rerun writes the rest.
      auto again = s.run(backend.location(), s.batch, manifests, false);
      REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
      CHECK(read_dir(manifests).files == ref.files.files);
    } else {
      CHECK(now == ref.before);
      CHECK(read_dir(manifests).files == files_before.files);
    }
  }
  CHECK(refused >= 6);
}

// COMMIT sent and the connection lost before its reply: countersign cannot know whether the
// batch is in the log, says so, and says a rerun is safe; the rerun then makes the log and
// manifest files of an uninterrupted run, signing again only when the batch was not
// committed. Both cases: the COMMIT cut before it reached the server, and after.
TEST_CASE("postgres: a connection lost while COMMIT's reply is awaited is an error saying the outcome is unknown and that countersign may be run again, and the rerun makes the log of an uninterrupted run") {
  CrashScenario s;
  const fs::path dir = s.w.path("commit-lost");
  const Reference ref = reference(s, dir);
  for (const auto when : {CommitCutter::When::kBeforeCommit, CommitCutter::When::kAfterCommit}) {
    const bool committed = when == CommitCutter::When::kAfterCommit;
    CAPTURE(committed);
    PostgresBackend backend;
    const fs::path manifests = dir / fmt::format("manifests-{}", committed ? "after" : "before");
    s.prepare(backend.location(), manifests);
    const DirContents files_before = read_dir(manifests);
    Result<CountersignResult> r = fail(ErrorCode::kInternal, "not run");
    bool cut = false;
    {
      CommitCutter cutter(backend.location(), when);
      on_store_call([&cutter](std::uint64_t) { cutter.arm(); });  // the store is open
      r = s.run(cutter.location(backend.location()), s.batch, manifests, false);
      on_store_call({});
      cut = cutter.cut();
    }
    REQUIRE(cut);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kIo);
    CHECK_MESSAGE(r.error().message.find("lost while COMMIT's reply was awaited") !=
                      std::string::npos, r.error().message);
    CHECK_MESSAGE(r.error().message.find("the outcome is unknown") != std::string::npos,
                  r.error().message);
    CHECK_MESSAGE(r.error().message.find("running the same countersign again is safe") !=
                      std::string::npos, r.error().message);
    CHECK(read_dir(manifests).files == files_before.files);  // none written for the batch
    CHECK(open_dump(backend.location()) == (committed ? ref.after : ref.before));

    auto again = s.run(backend.location(), s.batch, manifests, false);
    REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
    CHECK(again->signatures == (committed ? 0u : 1u));  // nothing signed twice
    CHECK(again->new_size == ref.new_size);
    CHECK(open_dump(backend.location()) == ref.after);
    CHECK(read_dir(manifests).files == ref.files.files);
  }
}

}  // namespace hallmark::evidence::testing

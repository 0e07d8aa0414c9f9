// Promotion on a full disk (a small tmpfs the test mounts; skipped where mounting is not
// permitted): the promoted bundle's directory full at several points of the archive, and
// the promotion history's directory full. Each ends with an error naming the file, no
// promoted bundle (whole or partial) and no temporary file, the history unchanged; with
// space again the same promotion succeeds.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "tests/promote/promote_test_support.h"
#include "tests/support/tmpfs_mount.h"
#include "verifier/bundle/promoted_bundle.h"

namespace hallmark::promote::testing {
namespace {

namespace fs = std::filesystem;
using hallmark::testing::TmpfsMount;

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("promote on a full disk under --out fails naming the bundle it writes, leaves no promoted bundle or temporary file and no history; with space it promotes") {
  World w;
  const auto bundle = w.make_bundle("r.bundle");
  const std::vector<bundle::NamedEnvelope> approvals = {w.approval(bundle, "alice"),
                                                        w.approval(bundle, "bob")};
  TmpfsMount disk(w.path("disk"), 4u << 20);
  if (!disk.mounted()) {
    MESSAGE("SKIPPED: " << disk.why());
    return;
  }
  const std::string history_before = w.history_text();
  unsigned failed = 0;
  bool promoted = false;
  // No space at all, then more and more: the archive meets the full disk at its first
  // entry, inside the images, at its end.
  for (std::size_t leave : {std::size_t{0}, std::size_t{4096}, std::size_t{16384},
                            std::size_t{65536}, std::size_t{1} << 20, std::size_t{3} << 20}) {
    CAPTURE(leave);
    disk.fill(leave);
    auto r = w.promote(bundle, approvals, "disk/promoted.bundle");
    disk.free();
    if (r) {
      promoted = true;
      break;
    }
    ++failed;
    CHECK(r.error().code == ErrorCode::kIo);
    CHECK_MESSAGE(r.error().message.find(w.path("disk").string()) != std::string::npos,
                  r.error().message);
    // The file the operator asked for, not only the temporary one beside it, and what
    // became of the temporary.
    CHECK_MESSAGE(r.error().message.find(w.path("disk/promoted.bundle").string()) !=
                      std::string::npos,
                  r.error().message);
    CHECK_MESSAGE(r.error().message.find("temporary file") != std::string::npos, r.error().message);
    CHECK_MESSAGE(r.error().message.find("was removed") != std::string::npos, r.error().message);
    CHECK_MESSAGE(r.error().message.find("No space left") != std::string::npos, r.error().message);
    CHECK(names_in(disk.dir()).empty());  // nothing whole, partial or temporary
    CHECK(w.history_text() == history_before);
  }
  CHECK(failed >= 2);
  REQUIRE(promoted);
  CHECK(names_in(disk.dir()) == std::vector<std::string>{"promoted.bundle"});
  auto verified = bundle::verify_promoted_bundle(w.path("disk/promoted.bundle"), w.trust(w.now + 5), {});
  CHECK_MESSAGE(verified, (verified ? "" : verified.error().message));
}

}  // namespace hallmark::promote::testing

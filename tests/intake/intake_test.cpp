// Bundle intake: verified under the pinned trust root, SKU policy, no downgrade, staged
// read-only in a content-addressed cache, and re-checked before use.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include "station-agent/station/intake.h"
#include "tests/intake/intake_test_support.h"
#include "verifier/io/file_io.h"

using namespace hallmark;
using namespace hallmark::intake::testing;
namespace fs = std::filesystem;

namespace {

// A World with line-1 installed in `state` and combo-1 allowed.
void install(const World& w, const fs::path& state) {
  const auto line1 = enroll(w, "line-1");
  auto r = station::install_registration(state, install_input(w, line1, "line-1"));
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  write_policy(state, {"combo-1"});
}

std::size_t cached_bundles(const fs::path& state) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(state / "cache")) n += e.is_regular_file() ? 1U : 0U;
  return n;
}

}  // namespace

TEST_SUITE("softhsm") {

TEST_CASE("an accepted bundle is staged read-only under its digest and rechecks") {
  World w;
  verifier::testing::TempDir state;
  install(w, state.path());
  const auto bundle = promoted(w, "p1.bundle", "1.2.0", 3, 1);
  auto r = station::intake_bundle(state.path(), bundle, {}, w.now);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  CHECK_FALSE(r->already_accepted);
  CHECK(r->cached == state.path() / "cache" / (r->release.bundle_digest.hex() + ".bundle"));
  struct stat st {};
  REQUIRE(::stat(r->cached.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0444);
  CHECK(*fileio::hash_file(r->cached) == *fileio::hash_file(bundle));
  CHECK(cached_bundles(state.path()) == 1);
  auto accepted = station::recheck_cached(state.path(), r->release.bundle_digest);
  REQUIRE_MESSAGE(accepted, (accepted ? "" : accepted.error().message));
  CHECK(accepted->version() == "1.2.0");
}

TEST_CASE("the same bundle twice is idempotent") {
  World w;
  verifier::testing::TempDir state;
  install(w, state.path());
  const auto bundle = promoted(w, "p1.bundle", "1.2.0", 3, 1);
  REQUIRE(station::intake_bundle(state.path(), bundle, {}, w.now));
  const auto ledger = verifier::testing::read_text(state.path() / "accepted.textproto");
  auto again = station::intake_bundle(state.path(), bundle, {}, w.now);
  REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
  CHECK(again->already_accepted);
  CHECK(verifier::testing::read_text(state.path() / "accepted.textproto") == ledger);
  CHECK(cached_bundles(state.path()) == 1);
}

TEST_CASE("a SKU this station does not allow is refused and nothing is staged") {
  World w;
  verifier::testing::TempDir state;
  install(w, state.path());
  write_policy(state.path(), {"other-sku"});
  const auto bundle = promoted(w, "p1.bundle", "1.2.0", 3, 1);
  auto r = station::intake_bundle(state.path(), bundle, {}, w.now);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kPolicyRefused);
  CHECK(mentions(r.error(), "SKU combo-1 is not allowed at this station"));
  CHECK(cached_bundles(state.path()) == 0);
  CHECK_FALSE(fs::exists(state.path() / "accepted.textproto"));
}

TEST_CASE("downgrade: a lower version or a lower security counter is refused") {
  World w;
  verifier::testing::TempDir state;
  install(w, state.path());
  const auto v12 = promoted(w, "p12.bundle", "1.2.0", 3, 1);
  const auto v11 = promoted(w, "p11.bundle", "1.1.0", 3, 2);
  const auto v13_low = promoted(w, "p13.bundle", "1.3.0", 2, 3);
  const auto v13 = promoted(w, "p13b.bundle", "1.3.0", 3, 4);
  REQUIRE(station::intake_bundle(state.path(), v12, {}, w.now));
  auto r = station::intake_bundle(state.path(), v11, {}, w.now);
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "version 1.1.0 of SKU combo-1 is not above version 1.2.0"));
  r = station::intake_bundle(state.path(), v13_low, {}, w.now);
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "security counter 2 of SKU combo-1 is below 3"));
  CHECK(cached_bundles(state.path()) == 1);
  CHECK(station::intake_bundle(state.path(), v13, {}, w.now));
  CHECK(cached_bundles(state.path()) == 2);
}

TEST_CASE("a bundle promoted under another trust root is refused") {
  verifier::testing::TempDir state;
  {
    World a;
    install(a, state.path());
  }
  World b;
  const auto bundle = promoted(b, "p1.bundle", "1.2.0", 3, 1);
  auto r = station::intake_bundle(state.path(), bundle, {}, b.now);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kVerificationFailed);
  CHECK(mentions(r.error(), "trust-root-v1.json"));
  CHECK(cached_bundles(state.path()) == 0);
}

TEST_CASE("a bundle tampered with in the cache is caught by recheck_cached") {
  World w;
  verifier::testing::TempDir state;
  install(w, state.path());
  const auto bundle = promoted(w, "p1.bundle", "1.2.0", 3, 1);
  auto r = station::intake_bundle(state.path(), bundle, {}, w.now);
  REQUIRE(r);
  REQUIRE(station::recheck_cached(state.path(), r->release.bundle_digest));
  // Someone with root rewrites the cached copy in place (one byte) and restores the mode.
  fs::permissions(r->cached, fs::perms::owner_write, fs::perm_options::add);
  promote::testing::flip_byte(bundle, r->cached, "native/", 10, true);
  fs::permissions(r->cached, fs::perms::owner_write, fs::perm_options::remove);
  auto recheck = station::recheck_cached(state.path(), r->release.bundle_digest);
  REQUIRE_FALSE(recheck);
  CHECK(recheck.error().code == ErrorCode::kVerificationFailed);
  CHECK(mentions(recheck.error(), "changed after intake"));
  // A bundle never accepted here is not "rechecked" into use either.
  auto unknown = station::recheck_cached(state.path(), *verifier::sha256(ByteView{}));
  CHECK_FALSE(unknown);
}

}  // TEST_SUITE

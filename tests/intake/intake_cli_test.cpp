// `hallmark-station install-registration` and `hallmark-station intake` run as the binary:
// trust roots, registrations and promoted bundles are made by the ceremony and promote
// libraries on throwaway SoftHSM tokens (intake_test_support), written to files and handed
// to the binary, which must refuse with the documented exit code and name what is at fault.
// The station token's PIN reaches the binary by environment variable name only.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "verifier/tool/display_json.h"
#include "hallmark/station.pb.h"
#include "tests/intake/intake_test_support.h"
#include "tests/support/run_command.h"
#include "tests/support/text.h"
#include "verifier/core/dsse.h"
#include "verifier/io/file_io.h"

using namespace hallmark;
using namespace hallmark::intake::testing;
using hallmark::testing::CommandResult;
using hallmark::testing::contains;
using hallmark::testing::run_command;
using hallmark::testing::shell_quote;
namespace fs = std::filesystem;

namespace {

constexpr const char* kPinEnv = "HALLMARK_STATION_TEST_PIN";

std::string q(const fs::path& path) { return shell_quote(path.string()); }

CommandResult station(const std::string& args) {
  ::setenv(kPinEnv, hallmark::testing::SoftHsmFixture::kUserPin, 1);
  return run_command(shell_quote(HALLMARK_STATION_BIN) + " " + args);
}

// w's trust root v1 written as w/v1.json; returns its path.
fs::path write_root(const World& w) {
  return w.dir.write("v1.json", verifier::envelope_to_json(w.v1_root));
}

fs::path write_registration(const World& w, const EnrolledStation& s, const std::string& name) {
  return w.dir.write(name, verifier::envelope_to_json(s.registration));
}

CommandResult install(const fs::path& state, const fs::path& registration, const fs::path& root,
                      const std::string& station_id, const std::string& extra = "") {
  return station(extra + " install-registration --registration " + q(registration) +
                 " --trust-root " + q(root) + " --station-id " + shell_quote(station_id) +
                 " --state " + q(state));
}

CommandResult install_with_token(const fs::path& state, const fs::path& registration,
                                 const fs::path& root, const std::string& station_id) {
  return station("install-registration --registration " + q(registration) + " --trust-root " +
                 q(root) + " --station-id " + shell_quote(station_id) + " --state " + q(state) +
                 " --token pkcs11:token=station-1 --pin env:" + kPinEnv);
}

CommandResult take_in(const fs::path& state, const fs::path& bundle, const std::string& extra = "") {
  return station(extra + " intake " + q(bundle) + " --state " + q(state));
}

// line-1 enrolled in w and installed (through the binary) in w/state, combo-1 allowed.
fs::path installed_station(const World& w) {
  const fs::path state = w.path("state");
  const auto line1 = enroll(w, "line-1");
  auto r = install(state, write_registration(w, line1, "registration.json"), write_root(w),
                   "line-1");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  write_policy(state, {"combo-1"});
  return state;
}

// Every file in state/cache: accepted bundles and anything a failed intake left behind.
std::size_t cache_files(const fs::path& state) {
  std::error_code ec;
  if (!fs::exists(state / "cache", ec)) return 0;
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(state / "cache")) {
    (void)e;
    ++n;
  }
  return n;
}

std::string digest_hex_of(const std::string& raw) { return to_hex(as_bytes(raw)); }

}  // namespace

// --- install-registration ----------------------------------------------------------------

TEST_CASE("install-registration checks the token keys and pins the trust root anchor") {
  World w;
  const auto line1 = enroll(w, "line-1");
  const fs::path state = w.path("state");
  auto r = install_with_token(state, write_registration(w, line1, "registration.json"),
                              write_root(w), "line-1");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "station id          line-1"));
  CHECK(contains(r.out, "station key         " + line1.keys.station_key));
  CHECK(contains(r.out, "device-CA key       " + line1.keys.device_ca_key));
  CHECK(contains(r.out, "token keys checked  yes"));
  CHECK(contains(r.out, "trust root          version 1"));
  CHECK(verifier::testing::read_text(state / "trust-root" / "anchor.sha256") ==
        w.anchor().current_digest().hex() + "\n");
  CHECK(fs::exists(state / "registration.json"));
  CHECK_FALSE(contains(r.err + r.out, hallmark::testing::SoftHsmFixture::kUserPin));
}

TEST_CASE("a registration for another station id is refused with exit 1 naming both ids") {
  World w;
  const auto line2 = enroll(w, "line-2");
  const fs::path state = w.path("state");
  auto r = install(state, write_registration(w, line2, "registration-line-2.json"),
                   write_root(w), "line-1");
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "for station 'line-2', not for this station 'line-1'"));
  CHECK_FALSE(fs::exists(state / "registration.json"));
  CHECK_FALSE(fs::exists(state / "trust-root" / "anchor.sha256"));
}

TEST_CASE("a registration made for another token's keys is refused with exit 1") {
  World w;
  // line-1 was enrolled with keys "other-station"/"other-device-ca"; the keys the binary
  // looks up ("station"/"device-ca") belong to another enrollment on the same token.
  const auto line1 = enroll(w, "line-1", "other-");
  const auto decoy = enroll(w, "line-9");
  const fs::path state = w.path("state");
  auto r = install_with_token(state, write_registration(w, line1, "registration.json"),
                              write_root(w), "line-1");
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "made for another token"));
  CHECK(contains(r.err, decoy.keys.station_key));
  CHECK_FALSE(fs::exists(state / "registration.json"));
}

TEST_CASE("a tampered registration is refused with exit 1 and nothing is stored") {
  World w;
  auto line1 = enroll(w, "line-1");
  v1::StationRegistration reg;
  REQUIRE(reg.ParseFromString(line1.registration.payload()));
  reg.set_expires_unix(reg.expires_unix() + 365 * 86400);
  line1.registration.set_payload(reg.SerializeAsString());
  const fs::path state = w.path("state");
  auto r = install(state, write_registration(w, line1, "registration.json"), write_root(w),
                   "line-1");
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "the station registration"));
  CHECK(contains(r.err, "not signed by a threshold of the root role"));
  CHECK_FALSE(fs::exists(state / "registration.json"));
  CHECK_FALSE(fs::exists(state / "trust-root" / "anchor.sha256"));
}

TEST_CASE("a chain whose anchor differs from the pinned one is refused with exit 1 and the pin stays") {
  verifier::testing::TempDir keep;
  const fs::path state = keep.path() / "state";
  std::string pinned;
  {
    World a;
    const auto line1 = enroll(a, "line-1");
    auto r = install(state, write_registration(a, line1, "registration.json"), write_root(a),
                     "line-1");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    pinned = a.anchor().current_digest().hex();
  }
  World b;
  const auto line1 = enroll(b, "line-1");
  REQUIRE(b.anchor().current_digest().hex() != pinned);
  const auto registration_before = verifier::testing::read_text(state / "registration.json");
  auto r = install(state, write_registration(b, line1, "registration.json"), write_root(b),
                   "line-1");
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "pinned to trust root anchor " + pinned));
  CHECK(contains(r.err, "the pin is never replaced"));
  CHECK(verifier::testing::read_text(state / "trust-root" / "anchor.sha256") == pinned + "\n");
  CHECK(verifier::testing::read_text(state / "registration.json") == registration_before);
}

TEST_CASE("a missing registration or trust root file exits 4 naming the file") {
  World w;
  const auto line1 = enroll(w, "line-1");
  const fs::path state = w.path("state");
  const fs::path registration = write_registration(w, line1, "registration.json");
  const fs::path root = write_root(w);

  auto r = install(state, w.path("no-such-registration.json"), root, "line-1");
  CHECK(r.exit_code == 4);
  CHECK(contains(r.err, "no-such-registration.json"));

  r = install(state, registration, w.path("no-such-v1.json"), "line-1");
  CHECK(r.exit_code == 4);
  CHECK(contains(r.err, "no-such-v1.json"));
  CHECK_FALSE(fs::exists(state / "registration.json"));
}

TEST_CASE("--json install-registration prints the StationRegistration as protobuf JSON") {
  World w;
  const auto line1 = enroll(w, "line-1");
  auto r = install(w.path("state"), write_registration(w, line1, "registration.json"),
                   write_root(w), "line-1", "--json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  v1::StationRegistration parsed;
  REQUIRE_MESSAGE(hallmark::tool::parse_display_json(r.out, parsed), r.out);
  v1::StationRegistration expected;
  REQUIRE(expected.ParseFromString(line1.registration.payload()));
  CHECK(parsed.station_id() == "line-1");
  CHECK(parsed.trust_root_version() == 1);
  CHECK(parsed.SerializeAsString() == expected.SerializeAsString());
}

// --- intake --------------------------------------------------------------------------------

TEST_CASE("intake stages the promoted bundle read-only under its digest") {
  World w;
  const fs::path state = installed_station(w);
  const auto bundle = promoted(w, "p1.bundle", "1.2.0", 3, 1);
  auto r = take_in(state, bundle);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "accepted           SKU combo-1 version 1.2.0 security counter 3"));
  CHECK_FALSE(contains(r.out, "already"));
  REQUIRE(cache_files(state) == 1);
  const auto entry = *fs::directory_iterator(state / "cache");
  CHECK(contains(r.out, "cached (read-only) " + entry.path().string()));
  struct stat st {};
  REQUIRE(::stat(entry.path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0444);
  const auto file_sha = fileio::hash_file(bundle);
  REQUIRE(file_sha.has_value());
  CHECK(*fileio::hash_file(entry.path()) == *file_sha);
  CHECK(contains(r.out, "file SHA-256       " + file_sha->hex()));
}

TEST_CASE("intake of a tampered bundle exits 1 naming the file and caches nothing") {
  World w;
  const fs::path state = installed_station(w);
  const auto bundle = promoted(w, "p1.bundle", "1.2.0", 3, 1);
  promote::testing::flip_byte(bundle, w.path("tampered.bundle"), "native/", 10, true);
  auto r = take_in(state, w.path("tampered.bundle"));
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "tampered.bundle"));
  CHECK_FALSE(contains(r.err, "incoming"));  // the staging copy is never named to the operator
  CHECK(cache_files(state) == 0);
  CHECK_FALSE(fs::exists(state / "accepted.textproto"));
}

TEST_CASE("intake of a SKU the station policy does not allow exits 1 naming SKU and policy") {
  World w;
  const fs::path state = installed_station(w);
  write_policy(state, {"other-sku"});
  auto r = take_in(state, promoted(w, "p1.bundle", "1.2.0", 3, 1));
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "SKU combo-1 is not allowed at this station"));
  CHECK(contains(r.err, (state / "policy.textproto").string()));
  CHECK(cache_files(state) == 0);
  CHECK_FALSE(fs::exists(state / "accepted.textproto"));
}

TEST_CASE("intake of a downgrade exits 1 and leaves the accepted bundle alone") {
  World w;
  const fs::path state = installed_station(w);
  const auto v12 = promoted(w, "p12.bundle", "1.2.0", 3, 1);
  const auto v11 = promoted(w, "p11.bundle", "1.1.0", 3, 2);
  const auto v13_low = promoted(w, "p13.bundle", "1.3.0", 2, 3);
  auto first = take_in(state, v12);
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  const auto ledger = verifier::testing::read_text(state / "accepted.textproto");

  auto r = take_in(state, v11);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "downgrade refused: version 1.1.0 of SKU combo-1 is not above "
                        "version 1.2.0"));
  r = take_in(state, v13_low);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "security counter 2 of SKU combo-1 is below 3"));
  CHECK(cache_files(state) == 1);
  CHECK(verifier::testing::read_text(state / "accepted.textproto") == ledger);
}

TEST_CASE("taking in the same bundle twice exits 0 reports already accepted and changes nothing") {
  World w;
  const fs::path state = installed_station(w);
  const auto bundle = promoted(w, "p1.bundle", "1.2.0", 3, 1);
  auto first = take_in(state, bundle);
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  const auto ledger = verifier::testing::read_text(state / "accepted.textproto");
  auto again = take_in(state, bundle);
  REQUIRE_MESSAGE(again.exit_code == 0, again.err);
  CHECK(contains(again.out, "already accepted"));
  CHECK(contains(again.out, "SKU combo-1 version 1.2.0"));
  CHECK(cache_files(state) == 1);
  CHECK(verifier::testing::read_text(state / "accepted.textproto") == ledger);
}

TEST_CASE("intake of a missing bundle file exits 4 naming it and caches nothing") {
  World w;
  const fs::path state = installed_station(w);
  auto r = take_in(state, w.path("no-such.bundle"));
  CHECK(r.exit_code == 4);
  CHECK(contains(r.err, "no-such.bundle"));
  CHECK(cache_files(state) == 0);
}

TEST_CASE("intake on a station without a pinned trust root exits 2 and says what to run") {
  World w;
  const fs::path state = w.path("empty-state");
  fs::create_directories(state);
  auto r = take_in(state, promoted(w, "p1.bundle", "1.2.0", 3, 1));
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "install-registration"));
  CHECK(cache_files(state) == 0);
}

TEST_CASE("--json intake prints the AcceptedBundle as protobuf JSON both times") {
  World w;
  const fs::path state = installed_station(w);
  const auto bundle = promoted(w, "p1.bundle", "1.2.0", 3, 1);
  const auto file_sha = fileio::hash_file(bundle);
  REQUIRE(file_sha.has_value());
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    auto r = take_in(state, bundle, "--json");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    v1::AcceptedBundle parsed;
    REQUIRE_MESSAGE(hallmark::tool::parse_display_json(r.out, parsed), r.out);
    CHECK(parsed.sku() == "combo-1");
    CHECK(parsed.version() == "1.2.0");
    CHECK(parsed.security_counter() == 3);
    CHECK(parsed.trust_root_version() == 1);
    CHECK(digest_hex_of(parsed.file_sha256()) == file_sha->hex());
    REQUIRE(cache_files(state) == 1);
    const auto cached = (*fs::directory_iterator(state / "cache")).path();
    CHECK(cached.filename().string() == digest_hex_of(parsed.bundle_digest()) + ".bundle");
    // The text report moves to stderr so stdout stays machine-readable.
    CHECK(contains(r.err, round == 0 ? "accepted" : "already accepted"));
  }
}

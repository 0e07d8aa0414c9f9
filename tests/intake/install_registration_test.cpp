// install-registration: the trust root is pinned once, a registration is stored only when
// it verifies under that pin for this station (and this station's token keys).
#include <doctest/doctest.h>

#include "station-agent/station/station_state.h"
#include "tests/intake/intake_test_support.h"

using namespace hallmark;
using namespace hallmark::intake::testing;
namespace fs = std::filesystem;

TEST_SUITE("softhsm") {

TEST_CASE("install-registration pins the trust root and stores the registration") {
  World w;
  const auto line1 = enroll(w, "line-1");
  verifier::testing::TempDir state;
  auto installed = station::install_registration(state.path(), install_input(w, line1, "line-1"));
  REQUIRE_MESSAGE(installed, (installed ? "" : installed.error().message));
  CHECK(installed->registration.station_id() == "line-1");
  const auto pin = verifier::testing::read_text(state.path() / "trust-root" / "anchor.sha256");
  CHECK(pin == w.anchor().current_digest().hex() + "\n");
  CHECK(fs::exists(state.path() / "trust-root" / "v1.json"));
  CHECK(fs::exists(state.path() / "registration.json"));
  auto trust = station::load_station_trust(state.path(), w.now);
  REQUIRE(trust);
  CHECK(trust->root().current_digest() == w.anchor().current_digest());
  CHECK(trust->anchor_digest() == w.anchor().current_digest());
  CHECK(station::load_registration(state.path(), trust->root(), w.now));
  // Installing the same registration again under the same pin is fine.
  CHECK(station::install_registration(state.path(), install_input(w, line1, "line-1")));
}

TEST_CASE("a registration for another station, or for another token's keys, is refused") {
  World w;
  const auto line1 = enroll(w, "line-1");
  const auto line2 = enroll(w, "line-2", "other-");
  verifier::testing::TempDir state;
  auto r = station::install_registration(state.path(), install_input(w, line2, "line-1", false));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kPolicyRefused);
  CHECK(mentions(r.error(), "for station 'line-2', not for this station 'line-1'"));

  // line-1's registration, but the token holds line-2's keys.
  auto in = install_input(w, line1, "line-1");
  in.token_keys = line2.keys;
  r = station::install_registration(state.path(), in);
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "made for another token"));
  CHECK_FALSE(fs::exists(state.path() / "registration.json"));
  CHECK_FALSE(fs::exists(state.path() / "trust-root" / "anchor.sha256"));
}

TEST_CASE("a tampered registration is refused and nothing is stored") {
  World w;
  auto line1 = enroll(w, "line-1");
  v1::StationRegistration reg;
  REQUIRE(reg.ParseFromString(line1.registration.payload()));
  reg.set_expires_unix(reg.expires_unix() + 86400);
  line1.registration.set_payload(reg.SerializeAsString());
  verifier::testing::TempDir state;
  auto r = station::install_registration(state.path(), install_input(w, line1, "line-1"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kVerificationFailed);
  CHECK(state.entries().empty());
}

TEST_CASE("a station pinned to one trust root refuses a registration under another") {
  verifier::testing::TempDir state;
  std::string pin;
  {
    World a;
    const auto line1 = enroll(a, "line-1");
    REQUIRE(station::install_registration(state.path(), install_input(a, line1, "line-1")));
    pin = verifier::testing::read_text(state.path() / "trust-root" / "anchor.sha256");
  }
  World b;
  const auto line1 = enroll(b, "line-1");
  REQUIRE(b.anchor().current_digest().hex() + "\n" != pin);
  auto r = station::install_registration(state.path(), install_input(b, line1, "line-1"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kPolicyRefused);
  CHECK(mentions(r.error(), "the pin is never replaced"));
  CHECK(mentions(r.error(), "decommissioned"));
  CHECK(verifier::testing::read_text(state.path() / "trust-root" / "anchor.sha256") == pin);
}

}  // TEST_SUITE

// The person roster through the library: who may work at which station, signed by a root
// quorum of custodian cards on SoftHSM; the people's card keys are in-process keys.
#include <doctest/doctest.h>

#include "ceremony/src/roster_ceremony.h"
#include "tests/ceremony/ceremony_test_support.h"
#include "tests/support/trusted_root_access.h"
#include "testkit/in_process_keys.h"
#include "verifier/people/roster.h"
#include "verifier/trust/trusted_root.h"

using namespace hallmark;
using namespace hallmark::testing;

namespace {

v1::RosterPerson person(const std::string& name, v1::OperatorEntry::Role role, int key) {
  v1::RosterPerson p;
  p.set_name(name);
  p.set_role(role);
  *p.mutable_key() = verifier::testing::key(verifier::testing::Alg::kP256, key).pub.to_proto();
  p.add_station_ids("station-1");
  return p;
}

ceremony::CeremonyOutcome roster(RecordingUi& ui, const v1::Envelope& v1,
                                 ceremony::RosterRequest request,
                                 std::vector<std::string> present = {"alice", "bob"}) {
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  ceremony::CeremonyContext context{ui, fixed_clock(kNow + 50), std::move(present)};
  const std::vector<v1::Envelope> chain{v1};
  ceremony::RosterInput input{chain, {}, &plan, std::move(request)};
  return ceremony::run_roster(input, context);
}

std::vector<v1::RosterPerson> staff() {
  return {person("sam", v1::OperatorEntry::SUPERVISOR, 0),
          person("olga", v1::OperatorEntry::OPERATOR, 1)};
}

}  // namespace

TEST_SUITE("softhsm") {

TEST_CASE("a person roster signed by two custodians verifies, and the next one is version 2") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  auto root = verifier::TrustedRootTestAccess::from_anchor(v1);
  REQUIRE(root);
  RecordingUi ui;
  auto first = roster(ui, v1, {staff(), {}, "the first shift"});
  REQUIRE_MESSAGE(first.ok(), (first.error ? first.error->message : ""));
  auto verified = people::verify_roster(*first.document, *root);
  REQUIRE(verified);
  CHECK(verified->roster.version() == 1);
  CHECK(verified->roster.issued_unix() == kNow + 50);
  CHECK(verified->roster.people(0).valid_from_unix() == kNow + 50);  // the ceremony's time
  CHECK(verified->roster.reason() == "the first shift");

  RecordingUi again;
  auto second = roster(again, v1, {staff(), *first.document, "otto joins"});
  REQUIRE_MESSAGE(second.ok(), (second.error ? second.error->message : ""));
  CHECK(people::verify_roster(*second.document, *root)->roster.version() == 2);
}

TEST_CASE("a roster with one custodian present is refused: nothing is signed") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  RecordingUi ui;
  auto outcome = roster(ui, v1, {staff(), {}, "short-handed"}, {"alice"});
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->message.find("needs 2 root custodians") != std::string::npos);
  CHECK_FALSE(outcome.document);
}

TEST_CASE("a roster with nobody, without a reason, or listing one card for two people is "
          "refused before any card is touched") {
  CeremonyTokens tokens;
  const v1::Envelope v1 = make_v1(tokens);
  RecordingUi ui;
  CHECK_FALSE(roster(ui, v1, {{}, {}, "empty"}).ok());
  CHECK_FALSE(roster(ui, v1, {staff(), {}, ""}).ok());
  auto shared = staff();
  *shared[1].mutable_key() = shared[0].key();
  auto outcome = roster(ui, v1, {shared, {}, "shared card"});
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->message.find("twice") != std::string::npos);
  CHECK(ui.pin_requests.empty());  // refused before any card was touched
}

}  // TEST_SUITE

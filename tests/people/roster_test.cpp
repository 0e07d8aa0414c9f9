// The person roster: signed by a root quorum on the signer host, it is the only source of
// the people a station lets work. In-process keys stand in for the custodians' and the
// people's cards; every refusal names the attack or fault it stops.
#include <doctest/doctest.h>

#include <string>

#include "testkit/trust_fixture.h"
#include "verifier/people/roster.h"
#include "verifier/trust/trust.h"

namespace hallmark::people {
namespace {

namespace tt = hallmark::trust_testing;
using tt::kDay;
using tt::kNow;

constexpr const char* kStation = "station-1";

verifier::TrustedRoot root() {
  verifier::TrustInputs in;
  in.chain.push_back({"trust-root-v1", tt::sign_root(tt::default_spec(), {&tt::alice(), &tt::bob()})});
  in.now_unix = kNow;
  auto trust = verifier::load_trust(std::move(in));
  REQUIRE_MESSAGE(trust, (trust ? "" : trust.error().message));
  return trust->root();
}

v1::RosterPerson person(const std::string& name, v1::OperatorEntry::Role role,
                        const tt::Key& card) {
  v1::RosterPerson p;
  p.set_name(name);
  p.set_role(role);
  *p.mutable_key() = card.pub.to_proto();
  p.add_station_ids(kStation);
  p.set_valid_from_unix(kNow - kDay);
  return p;
}

v1::PersonRoster roster(std::uint64_t version = 1) {
  v1::PersonRoster r;
  r.set_version(version);
  r.set_trust_root_version(1);
  r.set_issued_unix(kNow - kDay);
  r.set_reason("night shift");
  *r.add_people() = person("sam", v1::OperatorEntry::SUPERVISOR, tt::erin());
  *r.add_people() = person("olga", v1::OperatorEntry::OPERATOR, tt::frank());
  return r;
}

v1::Envelope signed_by(const v1::PersonRoster& r, const tt::Signers& signers) {
  return tt::sign(kPersonRosterType, r, signers);
}

Result<VerifiedRoster> verify(const v1::PersonRoster& r,
                              const tt::Signers& signers = {&tt::alice(), &tt::bob()}) {
  return verify_roster(signed_by(r, signers), root());
}

}  // namespace

TEST_CASE("a roster signed by the root quorum verifies and lists its people") {
  auto verified = verify(roster());
  REQUIRE_MESSAGE(verified, (verified ? "" : verified.error().message));
  CHECK(verified->roster.people_size() == 2);
  auto sam = authorise(*verified, tt::erin().pub.key_id(), kStation,
                       v1::OperatorEntry::SUPERVISOR, kNow);
  REQUIRE(sam);
  CHECK((*sam)->name() == "sam");
  // A supervisor may also work as an operator.
  CHECK(authorise(*verified, tt::erin().pub.key_id(), kStation, v1::OperatorEntry::OPERATOR, kNow));
}

TEST_CASE("a roster signed by one custodian, or by a stranger, is refused (a station cannot "
          "invent people)") {
  CHECK_FALSE(verify(roster(), {&tt::alice()}));
  CHECK_FALSE(verify(roster(), {&tt::alice(), &tt::mallory()}));
  // A station holding its own key signs a roster: not a root key.
  CHECK_FALSE(verify(roster(), {&tt::station_key()}));
  // One custodian signing twice counts once.
  CHECK_FALSE(verify(roster(), {&tt::alice(), &tt::alice()}));
}

TEST_CASE("a roster with its payload altered after signing is refused") {
  auto envelope = signed_by(roster(), {&tt::alice(), &tt::bob()});
  std::string payload = envelope.payload();
  payload[payload.size() / 2] ^= 0x01;
  envelope.set_payload(payload);
  CHECK_FALSE(verify_roster(envelope, root()));
}

TEST_CASE("an invented supervisor: an operator cannot act as a supervisor, a card not on the "
          "roster acts as nobody") {
  auto verified = verify(roster());
  REQUIRE(verified);
  auto olga = authorise(*verified, tt::frank().pub.key_id(), kStation,
                        v1::OperatorEntry::SUPERVISOR, kNow);
  REQUIRE_FALSE(olga);
  CHECK(olga.error().message.find("not a supervisor") != std::string::npos);
  auto stranger = authorise(*verified, tt::mallory().pub.key_id(), kStation,
                            v1::OperatorEntry::OPERATOR, kNow);
  REQUIRE_FALSE(stranger);
  CHECK(stranger.error().message.find("not on person roster v1") != std::string::npos);
}

TEST_CASE("a person outside their stations or validity window is refused") {
  auto r = roster();
  r.mutable_people(1)->set_valid_until_unix(kNow);
  auto verified = verify(r);
  REQUIRE(verified);
  const auto olga = tt::frank().pub.key_id();
  CHECK_FALSE(authorise(*verified, olga, "station-2", v1::OperatorEntry::OPERATOR, kNow - 10));
  CHECK_FALSE(authorise(*verified, olga, kStation, v1::OperatorEntry::OPERATOR, kNow - 2 * kDay));
  CHECK(authorise(*verified, olga, kStation, v1::OperatorEntry::OPERATOR, kNow - 1));
  CHECK_FALSE(authorise(*verified, olga, kStation, v1::OperatorEntry::OPERATOR, kNow));
}

TEST_CASE("one card for two people, two cards for one person, a person with no station, no "
          "role or a bad name are refused") {
  auto shared = roster();
  *shared.mutable_people(1)->mutable_key() = tt::erin().pub.to_proto();
  CHECK_FALSE(verify(shared));
  auto twice = roster();
  twice.mutable_people(1)->set_name("sam");
  CHECK_FALSE(verify(twice));
  auto nowhere = roster();
  nowhere.mutable_people(0)->clear_station_ids();
  CHECK_FALSE(verify(nowhere));
  auto no_role = roster();
  no_role.mutable_people(0)->set_role(v1::OperatorEntry::ROLE_UNSPECIFIED);
  CHECK_FALSE(verify(no_role));
  auto bad_name = roster();
  bad_name.mutable_people(0)->set_name("sam\n");
  CHECK_FALSE(verify(bad_name));
  auto mismatched_key = roster();
  mismatched_key.mutable_people(0)->mutable_key()->set_key_id(tt::frank().pub.key_id());
  CHECK_FALSE(verify(mismatched_key));
  auto version0 = roster(0);
  CHECK_FALSE(verify(version0));
  auto future_root = roster();
  future_root.set_trust_root_version(2);
  CHECK_FALSE(verify(future_root));
}

TEST_CASE("a roster of more people than the limit is refused before any person is read") {
  auto at_limit = roster();
  at_limit.clear_people();
  for (std::size_t i = 0; i <= kMaxRosterPeople; ++i) {
    auto p = person("p" + std::to_string(i), v1::OperatorEntry::OPERATOR, tt::frank());
    // Distinct keys are not needed to reach the size check: it comes first.
    *at_limit.add_people() = std::move(p);
  }
  auto over = verify(at_limit);
  REQUIRE_FALSE(over);
  CHECK(over.error().message.find("more than") != std::string::npos);
}

TEST_CASE("roster history: the version in force at a time, and two different documents "
          "claiming one version are refused") {
  RosterHistory history;
  auto v1 = verify(roster(1));
  REQUIRE(v1);
  auto r2 = roster(2);
  r2.set_issued_unix(kNow);
  auto v2 = verify(r2);
  REQUIRE(v2);
  REQUIRE(history.add(*v1));
  REQUIRE(history.add(*v2));
  CHECK(history.in_force_at(kNow - 2 * kDay) == nullptr);
  CHECK(history.in_force_at(kNow - 1)->roster.version() == 1);
  CHECK(history.in_force_at(kNow)->roster.version() == 2);
  CHECK(history.add(*v1));  // the same document again: nothing changes
  auto forged = roster(2);
  forged.set_reason("another");
  auto other = verify(forged);
  REQUIRE(other);
  CHECK_FALSE(history.add(*other));
}

}  // namespace hallmark::people

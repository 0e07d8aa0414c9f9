// Ceremony plans: defaults, and the mistakes a plan must not get past.
#include <doctest/doctest.h>

#include "ceremony/src/plan.h"

using namespace hallmark;

namespace {

Result<ceremony::LoadedPlan> parse(const std::string& text) {
  return ceremony::parse_plan(as_bytes(text), "plan.textproto");
}

const std::string kTwo =
    "custodians { name: \"alice\" card_uri: \"pkcs11:token=a\" }\n"
    "custodians { name: \"bob\" card_uri: \"pkcs11:token=b\" }\n";

}  // namespace

TEST_SUITE("softhsm") {

TEST_CASE("plan defaults: thresholds 2/2, key labels, P-256, 365 days, no token profile assumed") {
  auto plan = parse(kTwo);
  REQUIRE_MESSAGE(plan, (plan ? "" : plan.error().message));
  const auto& p = plan->plan;
  CHECK(p.root_threshold() == 2);
  CHECK(p.approver_threshold() == 2);
  CHECK(p.validity_days() == 365);
  CHECK(p.release_key().label() == "release");
  CHECK(p.evidence_key().label() == "evidence");
  CHECK(p.manufacturing_ca_key().label() == "manufacturing-ca");
  CHECK(p.manufacturing_ca_key().algorithm() == v1::ECDSA_P256_SHA256);
  CHECK(p.custodians(0).key_label() == "custodian");
  CHECK(p.custodians(0).profile().empty());  // named in the plan or detected, never assumed
  CHECK(plan->digest == *verifier::sha256(as_bytes(kTwo)));
}

TEST_CASE("a plan whose threshold exceeds its custodians is refused") {
  auto plan = parse(kTwo + "root_threshold: 3\n");
  REQUIRE_FALSE(plan);
  CHECK(plan.error().message.find("root_threshold is 3 but the plan has 2") != std::string::npos);
}

TEST_CASE("a plan naming one custodian twice, or one card for two custodians, is refused") {
  auto twice = parse(kTwo + "custodians { name: \"alice\" card_uri: \"pkcs11:token=c\" }\n");
  REQUIRE_FALSE(twice);
  CHECK(twice.error().message.find("'alice' is named twice") != std::string::npos);
  auto card = parse(kTwo + "custodians { name: \"carol\" card_uri: \"pkcs11:token=a\" }\n");
  REQUIRE_FALSE(card);
  CHECK(card.error().message.find("listed for two custodians") != std::string::npos);
}

TEST_CASE("a malformed plan is refused naming the file and line") {
  auto plan = parse(kTwo + "root_treshold: 2\n");
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code == ErrorCode::kUsage);
  CHECK(plan.error().message.find("plan.textproto:3:") != std::string::npos);
}

TEST_CASE("a plan without custodians, or with a key URI as a card, is refused") {
  CHECK_FALSE(parse("root_threshold: 1\n"));
  auto key_uri = parse("custodians { name: \"a\" card_uri: \"pkcs11:token=a;object=k\" }\n");
  REQUIRE_FALSE(key_uri);
  CHECK(key_uri.error().message.find("names a key") != std::string::npos);
}

}  // TEST_SUITE

// Statements people sign at a station, with in-process keys standing in for their cards:
// every refusal names the attack or fault it stops.
#include <doctest/doctest.h>

#include <string>

#include "verifier/people/person_statements.h"
#include "testkit/in_process_keys.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/sha256.h"

namespace hallmark::people {
namespace {

using verifier::testing::Alg;
using verifier::testing::TestKey;

constexpr const char* kStation = "line-3-station-1";
constexpr std::int64_t kNow = 1'760'000'000;

const TestKey& alice_card() { return verifier::testing::key(Alg::kP256, 0); }
const TestKey& bob_card() { return verifier::testing::key(Alg::kP256, 1); }

CardSigner card_of(const TestKey& key) {
  return CardSigner{key.pub, key.pub.key_id(), [&key](ByteView pae) -> Result<Bytes> {
                      return verifier::testing::sign(key, pae);
                    }};
}

// A statement signed by `key` exactly as given (for statements the library refuses to
// make: a wrong key id, another station, a malformed entry).
v1::Envelope sign_as_is(const TestKey& key, const google::protobuf::MessageLite& message,
                        std::string_view name) {
  const Bytes payload = verifier::deterministic_bytes(message);
  const std::string type = verifier::payload_type_of(name);
  v1::Envelope envelope;
  envelope.set_payload(std::string(as_chars(payload)));
  envelope.set_payload_type(type);
  auto* signature = envelope.add_signatures();
  signature->set_keyid(key.pub.key_id());
  const Bytes sig = verifier::testing::sign(key, verifier::pae(type, payload));
  signature->set_sig(std::string(as_chars(sig)));
  return envelope;
}

}  // namespace

TEST_CASE("operator session signed by the card verifies at its station") {
  auto envelope = sign_session(card_of(alice_card()), kStation, "Alice Operator", kNow);
  REQUIRE(envelope);
  CHECK(envelope->payload_type() == "application/vnd.hallmark.operator-session.v1+protobuf");
  auto session = verify_session(*envelope, alice_card().pub, kStation);
  REQUIRE(session);
  CHECK(session->station_id() == kStation);
  CHECK(session->operator_name() == "Alice Operator");
  CHECK(session->operator_key_id() == alice_card().pub.key_id());
  CHECK(session->started_unix() == kNow);
  CHECK(session->nonce().size() == kNonceBytes);

  const std::string id = session_id(*envelope);
  CHECK(id.size() == 64);
  CHECK(id == verifier::sha256(as_bytes(envelope->payload()))->hex());
}

TEST_CASE("two sessions of one operator in the same second get distinct ids") {
  auto first = sign_session(card_of(alice_card()), kStation, "Alice Operator", kNow);
  auto second = sign_session(card_of(alice_card()), kStation, "Alice Operator", kNow);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(session_id(*first) != session_id(*second));
}

TEST_CASE("session replayed at another station is refused") {
  auto envelope = sign_session(card_of(alice_card()), kStation, "Alice Operator", kNow);
  REQUIRE(envelope);
  auto replayed = verify_session(*envelope, alice_card().pub, "line-4-station-2");
  REQUIRE_FALSE(replayed);
  CHECK(replayed.error().code == ErrorCode::kPolicyRefused);
  CHECK(replayed.error().message.find("line-4-station-2") != std::string::npos);
}

TEST_CASE("session signed by another card is refused") {
  auto envelope = sign_session(card_of(bob_card()), kStation, "Alice Operator", kNow);
  REQUIRE(envelope);
  auto verified = verify_session(*envelope, alice_card().pub, kStation);
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code == ErrorCode::kVerificationFailed);
}

TEST_CASE("session naming another card's key id is refused") {
  v1::OperatorSession session;
  session.set_station_id(kStation);
  session.set_operator_name("Alice Operator");
  session.set_operator_key_id(bob_card().pub.key_id());
  session.set_started_unix(kNow);
  session.set_nonce(std::string(kNonceBytes, 'n'));
  auto verified = verify_session(sign_as_is(alice_card(), session, kOperatorSessionType),
                                 alice_card().pub, kStation);
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code == ErrorCode::kPolicyRefused);
}

TEST_CASE("break-glass presented as an operator session is refused") {
  auto glass = sign_break_glass(card_of(alice_card()), kStation, "Alice Operator", 7,
                                "label printer jammed", kNow);
  REQUIRE(glass);
  auto verified = verify_session(*glass, alice_card().pub, kStation);
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code == ErrorCode::kVerificationFailed);
}

TEST_CASE("card that signs with another key is caught before the session leaves") {
  CardSigner lying = card_of(alice_card());
  lying.sign = [](ByteView pae) -> Result<Bytes> {
    return verifier::testing::sign(bob_card(), pae);
  };
  auto envelope = sign_session(lying, kStation, "Alice Operator", kNow);
  REQUIRE_FALSE(envelope);
  CHECK(envelope.error().code == ErrorCode::kVerificationFailed);
}

TEST_CASE("card signer whose key id is not its public key's id is refused") {
  CardSigner confused = card_of(alice_card());
  confused.key_id = bob_card().pub.key_id();
  auto envelope = sign_session(confused, kStation, "Alice Operator", kNow);
  REQUIRE_FALSE(envelope);
  CHECK(envelope.error().code == ErrorCode::kInternal);
}

TEST_CASE("session without a station id or with a bad operator name is refused") {
  CHECK(sign_session(card_of(alice_card()), "", "Alice", kNow).error().code ==
        ErrorCode::kUsage);
  CHECK(sign_session(card_of(alice_card()), kStation, "", kNow).error().code ==
        ErrorCode::kUsage);
  auto escape = sign_session(card_of(alice_card()), kStation, "Alice\x1b[2J", kNow);
  REQUIRE_FALSE(escape);
  CHECK(escape.error().code == ErrorCode::kUsage);
  // The name is shown escaped: a name cannot rewrite the operator's terminal.
  CHECK(escape.error().message.find('\x1b') == std::string::npos);
  CHECK(escape.error().message.find("Alice\\u{001B}[2J") != std::string::npos);
}

TEST_CASE("break-glass signed by the supervisor's card verifies") {
  auto glass = sign_break_glass(card_of(bob_card()), kStation, "Bob Supervisor", 42,
                                "serial label misprinted: unit checked by hand", kNow);
  REQUIRE(glass);
  CHECK(glass->payload_type() == "application/vnd.hallmark.break-glass.v1+protobuf");
  auto verified = verify_break_glass(*glass, bob_card().pub, kStation);
  REQUIRE(verified);
  CHECK(verified->supervisor_name() == "Bob Supervisor");
  CHECK(verified->supervisor_key_id() == bob_card().pub.key_id());
  CHECK(verified->line_stop_sequence() == 42);
  CHECK(verified->reason() == "serial label misprinted: unit checked by hand");
  CHECK(verified->time_unix() == kNow);
  CHECK(verified->nonce().size() == kNonceBytes);
}

TEST_CASE("break-glass signed by another card is refused") {
  auto glass = sign_break_glass(card_of(alice_card()), kStation, "Bob Supervisor", 42,
                                "operator releases her own line stop", kNow);
  REQUIRE(glass);
  auto verified = verify_break_glass(*glass, bob_card().pub, kStation);
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code == ErrorCode::kVerificationFailed);
  CHECK(verified.error().message.find(bob_card().pub.key_id()) != std::string::npos);
}

TEST_CASE("break-glass with a tampered reason is refused") {
  auto glass = sign_break_glass(card_of(bob_card()), kStation, "Bob Supervisor", 42,
                                "one unit re-tested", kNow);
  REQUIRE(glass);
  v1::BreakGlass payload;
  REQUIRE(payload.ParseFromString(glass->payload()));
  payload.set_reason("all units re-tested");
  v1::Envelope tampered = *glass;
  tampered.set_payload(payload.SerializeAsString());
  auto verified = verify_break_glass(tampered, bob_card().pub, kStation);
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code == ErrorCode::kVerificationFailed);
}

TEST_CASE("break-glass with a tampered line stop sequence is refused") {
  auto glass = sign_break_glass(card_of(bob_card()), kStation, "Bob Supervisor", 42,
                                "one unit re-tested", kNow);
  REQUIRE(glass);
  v1::BreakGlass payload;
  REQUIRE(payload.ParseFromString(glass->payload()));
  payload.set_line_stop_sequence(43);
  v1::Envelope tampered = *glass;
  tampered.set_payload(payload.SerializeAsString());
  CHECK(verify_break_glass(tampered, bob_card().pub, kStation).error().code ==
        ErrorCode::kVerificationFailed);
}

TEST_CASE("break-glass replayed at another station is refused") {
  auto glass = sign_break_glass(card_of(bob_card()), kStation, "Bob Supervisor", 42,
                                "one unit re-tested", kNow);
  REQUIRE(glass);
  auto verified = verify_break_glass(*glass, bob_card().pub, "line-4-station-2");
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code == ErrorCode::kPolicyRefused);
}

TEST_CASE("break-glass naming another supervisor's key id is refused") {
  v1::BreakGlass glass;
  glass.set_station_id(kStation);
  glass.set_supervisor_name("Bob Supervisor");
  glass.set_supervisor_key_id(alice_card().pub.key_id());
  glass.set_line_stop_sequence(42);
  glass.set_reason("one unit re-tested");
  glass.set_time_unix(kNow);
  glass.set_nonce(std::string(kNonceBytes, 'n'));
  auto verified = verify_break_glass(sign_as_is(bob_card(), glass, kBreakGlassType),
                                     bob_card().pub, kStation);
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code == ErrorCode::kPolicyRefused);
}

TEST_CASE("break-glass with an empty reason is refused") {
  auto glass = sign_break_glass(card_of(bob_card()), kStation, "Bob Supervisor", 42, "", kNow);
  REQUIRE_FALSE(glass);
  CHECK(glass.error().code == ErrorCode::kUsage);
}

TEST_CASE("break-glass with a reason of only blanks is refused") {
  for (const char* blank : {" ", "     ", "\xC2\xA0\xE3\x80\x80"}) {
    CAPTURE(blank);
    auto glass =
        sign_break_glass(card_of(bob_card()), kStation, "Bob Supervisor", 42, blank, kNow);
    REQUIRE_FALSE(glass);
    CHECK(glass.error().code == ErrorCode::kUsage);
  }
}

TEST_CASE("break-glass reason over 500 characters is refused and 500 is accepted") {
  const std::string longest(kMaxReasonChars, 'x');
  CHECK(sign_break_glass(card_of(bob_card()), kStation, "Bob Supervisor", 42, longest, kNow));
  auto glass = sign_break_glass(card_of(bob_card()), kStation, "Bob Supervisor", 42,
                                longest + "x", kNow);
  REQUIRE_FALSE(glass);
  CHECK(glass.error().code == ErrorCode::kUsage);
  // Characters, not bytes: 500 two-byte characters are fine.
  std::string accents;
  for (std::size_t i = 0; i < kMaxReasonChars; ++i) accents += "\xC3\xA9";
  CHECK(sign_break_glass(card_of(bob_card()), kStation, "Bob Supervisor", 42, accents, kNow));
}

TEST_CASE("break-glass reason with control or direction-override characters is refused") {
  for (const char* reason : {"tested\nline 2 forged", "tested\r", "tab\there", "esc \x1b[31m",
                             "del \x7f", "bidi \xE2\x80\xAE" "desrever", "c1 \xC2\x85",
                             "not utf-8 \xff"}) {
    CAPTURE(reason);
    auto glass =
        sign_break_glass(card_of(bob_card()), kStation, "Bob Supervisor", 42, reason, kNow);
    REQUIRE_FALSE(glass);
    CHECK(glass.error().code == ErrorCode::kUsage);
    // The refusal must not echo the control characters back to the terminal.
    CHECK(glass.error().message.find('\x1b') == std::string::npos);
  }
}

TEST_CASE("break-glass with a control character signed by some other tool is refused") {
  v1::BreakGlass glass;
  glass.set_station_id(kStation);
  glass.set_supervisor_name("Bob Supervisor");
  glass.set_supervisor_key_id(bob_card().pub.key_id());
  glass.set_line_stop_sequence(42);
  glass.set_reason("ok\nreason: audit closed");
  glass.set_time_unix(kNow);
  glass.set_nonce(std::string(kNonceBytes, 'n'));
  auto verified = verify_break_glass(sign_as_is(bob_card(), glass, kBreakGlassType),
                                     bob_card().pub, kStation);
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code == ErrorCode::kPolicyRefused);
}

TEST_CASE("person names that are empty, unprintable, too long or padded are refused") {
  CHECK(check_person_name("").error().code == ErrorCode::kUsage);
  CHECK(check_person_name("Carol\tOperator").error().code == ErrorCode::kUsage);
  CHECK(check_person_name("Carol ").error().code == ErrorCode::kUsage);
  CHECK(check_person_name(" Carol").error().code == ErrorCode::kUsage);
  CHECK(check_person_name("Carol\xE2\x80\xAE").error().code == ErrorCode::kUsage);
  CHECK(check_person_name("\xC0\xAF").error().code == ErrorCode::kUsage);
  CHECK(check_person_name(std::string(kMaxPersonNameChars + 1, 'c')).error().code ==
        ErrorCode::kUsage);
  CHECK(check_person_name(std::string(kMaxPersonNameChars, 'c')));
  CHECK(check_person_name("Zo\xC3\xAB M\xC3\xBCller"));
}

}  // namespace hallmark::people

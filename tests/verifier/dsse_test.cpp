#include <doctest/doctest.h>

#include <google/protobuf/util/json_util.h>

#include "testkit/in_process_keys.h"
#include "verifier/core/dsse.h"

namespace hv = hallmark::verifier;
namespace ht = hallmark::verifier::testing;
using hallmark::as_bytes;
using hallmark::as_chars;
using hallmark::Bytes;
using hallmark::ErrorCode;

namespace {

constexpr const char* kType = "application/vnd.hallmark.test.v1+protobuf";
const std::string kPayload = std::string("payload\0with\xffzero", 17);

const ht::TestKey& A() { return ht::key(ht::Alg::kP256, 0); }
const ht::TestKey& B() { return ht::key(ht::Alg::kEd25519, 0); }
const ht::TestKey& C() { return ht::key(ht::Alg::kP384, 0); }
const ht::TestKey& Outsider() { return ht::key(ht::Alg::kP256, 7); }

std::vector<hv::PublicKey> trust(std::initializer_list<const ht::TestKey*> keys) {
  std::vector<hv::PublicKey> out;
  for (const auto* k : keys) out.push_back(k->pub);
  return out;
}

bool mentions(const hallmark::Error& e, std::string_view text) {
  return e.message.find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("round trip for every algorithm returns the exact signed bytes") {
  for (ht::Alg alg : ht::kAllAlgs) {
    CAPTURE(ht::name(alg));
    const auto& k = ht::key(alg);
    const auto env = ht::make_envelope(kType, kPayload, {&k});
    auto parsed = hv::parse_envelope_json(hv::envelope_to_json(env));
    REQUIRE(parsed.has_value());
    auto r = hv::verify_envelope(*parsed, trust({&k}), 1, kType);
    REQUIRE(r.has_value());
    CHECK(as_chars(r->payload) == kPayload);
    CHECK(r->payload_type == kType);
    CHECK(r->key_ids == std::vector<std::string>{k.pub.key_id()});
  }
}

TEST_CASE("tampered payload fails") {
  auto env = ht::make_envelope(kType, kPayload, {&A()});
  env.set_payload(kPayload + "!");
  auto r = hv::verify_envelope(env, trust({&A()}), 1);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kVerificationFailed);
  CHECK(mentions(r.error(), "0 of 1 required signatures verified"));
}

TEST_CASE("tampered payload type fails (PAE binds the type)") {
  auto env = ht::make_envelope(kType, kPayload, {&A(), &B()});
  env.set_payload_type("application/vnd.hallmark.other.v1+protobuf");
  CHECK_FALSE(hv::verify_envelope(env, trust({&A(), &B()}), 1).has_value());
}

TEST_CASE("tampered signature fails") {
  auto env = ht::make_envelope(kType, kPayload, {&B()});
  std::string sig = env.signatures(0).sig();
  sig[5] = static_cast<char>(sig[5] ^ 0x40);
  env.mutable_signatures(0)->set_sig(sig);
  CHECK_FALSE(hv::verify_envelope(env, trust({&B()}), 1).has_value());
}

TEST_CASE("length-shifting the payload into the type does not verify") {
  // Without length prefixes "a b" + "c" and "a" + "b c" would sign the same bytes.
  auto env = ht::make_envelope("x/y", "1 z", {&A()});
  env.set_payload_type("x/y 1");
  env.set_payload("z");
  CHECK_FALSE(hv::verify_envelope(env, trust({&A()}), 1).has_value());
}

TEST_CASE("signature by an unknown key is ignored and does not count") {
  const auto env = ht::make_envelope(kType, kPayload, {&Outsider(), &A()});
  auto one = hv::verify_envelope(env, trust({&A(), &B()}), 1);
  REQUIRE(one.has_value());
  CHECK(one->key_ids == std::vector<std::string>{A().pub.key_id()});
  auto two = hv::verify_envelope(env, trust({&A(), &B()}), 2);
  REQUIRE_FALSE(two.has_value());
  CHECK(mentions(two.error(), "1 of 2 required signatures verified"));
  CHECK(mentions(two.error(), A().pub.key_id()));
  CHECK_FALSE(mentions(two.error(), Outsider().pub.key_id()));
}

TEST_CASE("the same key signing twice does not reach threshold 2") {
  const auto env = ht::make_envelope(kType, kPayload, {&A(), &A()});  // two distinct signatures
  REQUIRE(env.signatures(0).sig() != env.signatures(1).sig());
  auto r = hv::verify_envelope(env, trust({&A(), &B()}), 2);
  REQUIRE_FALSE(r.has_value());
  CHECK(mentions(r.error(), "1 of 2"));
}

TEST_CASE("one signature copied under another key's id counts once") {
  auto env = ht::make_envelope(kType, kPayload, {&A()});
  auto* copy = env.add_signatures();
  *copy = env.signatures(0);
  copy->set_keyid(B().pub.key_id());
  CHECK_FALSE(hv::verify_envelope(env, trust({&A(), &B()}), 2).has_value());
}

TEST_CASE("same key listed twice in trusted counts once") {
  const auto env = ht::make_envelope(kType, kPayload, {&A(), &A()});
  auto r = hv::verify_envelope(env, trust({&A(), &A(), &B()}), 2);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kVerificationFailed);
  // [A, A] holds one distinct key, so threshold 2 cannot be met at all.
  auto impossible = hv::verify_envelope(env, trust({&A(), &A()}), 2);
  REQUIRE_FALSE(impossible.has_value());
  CHECK(impossible.error().code == ErrorCode::kUsage);
}

TEST_CASE("key id hint pointing at another key does not matter") {
  auto env = ht::make_envelope(kType, kPayload, {&A(), &B()});
  env.mutable_signatures(0)->set_keyid(B().pub.key_id());
  env.mutable_signatures(1)->set_keyid("not-a-key-id");
  auto r = hv::verify_envelope(env, trust({&A(), &B()}), 2);
  REQUIRE(r.has_value());
  CHECK(r->key_ids.size() == 2);
}

TEST_CASE("key id claiming a trusted key does not make an outsider's signature count") {
  auto env = ht::make_envelope(kType, kPayload, {&Outsider()});
  env.mutable_signatures(0)->set_keyid(A().pub.key_id());
  CHECK_FALSE(hv::verify_envelope(env, trust({&A()}), 1).has_value());
}

TEST_CASE("mixed algorithms reach threshold 3 of 4 and report which keys verified") {
  const auto& rsa = ht::key(ht::Alg::kRsa3072);
  const auto env = ht::make_envelope(kType, kPayload, {&A(), &rsa, &C()});
  auto r = hv::verify_envelope(env, trust({&A(), &B(), &C(), &rsa}), 3);
  REQUIRE(r.has_value());
  std::vector<std::string> expected = {A().pub.key_id(), C().pub.key_id(), rsa.pub.key_id()};
  std::sort(expected.begin(), expected.end());
  CHECK(r->key_ids == expected);
  CHECK_FALSE(hv::verify_envelope(env, trust({&A(), &B(), &C(), &rsa}), 4).has_value());
}

TEST_CASE("payload type mismatch fails even with valid signatures") {
  const auto env = ht::make_envelope(kType, kPayload, {&A()});
  auto r = hv::verify_envelope(env, trust({&A()}), 1, "application/vnd.hallmark.bundle.v1+protobuf");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kVerificationFailed);
  CHECK(mentions(r.error(), "payload type"));
}

TEST_CASE("threshold 0, no trusted keys, and too many signatures are usage errors") {
  const auto env = ht::make_envelope(kType, kPayload, {&A()});
  auto zero = hv::verify_envelope(env, trust({&A()}), 0);
  REQUIRE_FALSE(zero.has_value());
  CHECK(zero.error().code == ErrorCode::kUsage);
  auto none = hv::verify_envelope(env, {}, 1);
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().code == ErrorCode::kUsage);
  auto flood = env;
  for (std::size_t i = 0; i < hv::kMaxSignatures; ++i) *flood.add_signatures() = env.signatures(0);
  auto many = hv::verify_envelope(flood, trust({&A()}), 1);
  REQUIRE_FALSE(many.has_value());
  CHECK(many.error().code == ErrorCode::kUsage);
}

TEST_CASE("empty JSON") {
  for (const char* input : {"", "   \n"}) {
    auto r = hv::parse_envelope_json(input);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kUsage);
    CHECK(mentions(r.error(), "empty"));
  }
}

TEST_CASE("malformed JSON") {
  for (const char* input : {"{", "not json", "[]", R"({"payload": 5})",
                            R"({"payload": "%%%", "payloadType": "t", "signatures": []})"}) {
    CAPTURE(input);
    auto r = hv::parse_envelope_json(input);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kUsage);
  }
}

TEST_CASE("truncated envelope") {
  const std::string json = hv::envelope_to_json(ht::make_envelope(kType, kPayload, {&A()}));
  for (std::size_t cut : {json.size() - 1, json.size() / 2, std::size_t{1}}) {
    CAPTURE(cut);
    CHECK_FALSE(hv::parse_envelope_json(json.substr(0, cut)).has_value());
  }
}

TEST_CASE("missing payloadType and missing signatures are refused") {
  auto no_type = hv::parse_envelope_json(R"({"payload": "", "signatures": [{"sig": "AA=="}]})");
  REQUIRE_FALSE(no_type.has_value());
  CHECK(mentions(no_type.error(), "payloadType"));
  auto no_sigs = hv::parse_envelope_json(R"({"payload": "", "payloadType": "t"})");
  REQUIRE_FALSE(no_sigs.has_value());
  CHECK(mentions(no_sigs.error(), "no signatures"));
}

TEST_CASE("huge input rejected before parsing") {
  // Not JSON at all: a parser would say "invalid"; the size check must answer first.
  const std::string huge(hv::kMaxEnvelopeBytes + 1, '[');
  auto r = hv::parse_envelope_json(huge);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kUsage);
  CHECK(mentions(r.error(), "too large"));
}

TEST_CASE("unknown JSON fields are ignored") {
  auto r = hv::parse_envelope_json(
      R"({"payload": "aGk=", "payloadType": "t", "extra": 1, "signatures": [{"sig": "AA==", "x": 2}]})");
  REQUIRE(r.has_value());
  CHECK(r->payload() == "hi");
}

TEST_CASE("envelope_to_json uses DSSE field names and standard base64") {
  hallmark::v1::Envelope env;
  env.set_payload_type(kType);
  env.set_payload("\xfb\xff");
  auto* s = env.add_signatures();
  s->set_keyid("k1");
  s->set_sig("\xfb\xef");
  const std::string json = hv::envelope_to_json(env);
  CHECK(json.find(R"("payloadType":")") != std::string::npos);
  CHECK(json.find(R"("payload":"+/8=")") != std::string::npos);
  CHECK(json.find(R"("signatures":[{"keyid":"k1","sig":"++8="}])") != std::string::npos);
  hallmark::v1::Envelope empty_payload = env;
  empty_payload.clear_payload();
  CHECK(hv::envelope_to_json(empty_payload).find(R"("payload":"")") != std::string::npos);
}

TEST_CASE("PAE uses decimal byte lengths and keeps the body byte for byte") {
  const Bytes p = hv::pae("t", as_bytes(std::string_view("\0\n", 2)));
  CHECK(as_chars(p) == std::string_view("DSSEv1 1 t 2 \0\n", 15));
  const std::string body(1234, 'x');
  CHECK(as_chars(hv::pae("", as_bytes(body))).starts_with("DSSEv1 0  1234 x"));
}

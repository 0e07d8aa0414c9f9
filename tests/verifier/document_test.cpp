#include <doctest/doctest.h>

#include <google/protobuf/struct.pb.h>

#include "hallmark/keys.pb.h"
#include "testkit/in_process_keys.h"
#include "verifier/core/document.h"

namespace hv = hallmark::verifier;
namespace ht = hallmark::verifier::testing;
using hallmark::as_bytes;
using hallmark::as_chars;

TEST_CASE("payload type names follow application/vnd.hallmark.<name>.v1+protobuf") {
  CHECK(hv::payload_type_of("trust-root") == "application/vnd.hallmark.trust-root.v1+protobuf");
}

TEST_CASE("deterministic bytes do not depend on map insertion order") {
  google::protobuf::Struct forward;
  google::protobuf::Struct backward;
  for (int i = 0; i < 50; ++i) {
    (*forward.mutable_fields())["k" + std::to_string(i)].set_number_value(i);
    (*backward.mutable_fields())["k" + std::to_string(49 - i)].set_number_value(49 - i);
  }
  const auto a = hv::deterministic_bytes(forward);
  CHECK_FALSE(a.empty());
  CHECK(a == hv::deterministic_bytes(backward));
}

TEST_CASE("deterministic bytes parse back to the same message") {
  const auto proto = ht::key(ht::Alg::kEd25519).pub.to_proto();
  const auto bytes = hv::deterministic_bytes(proto);
  hallmark::v1::PublicKey back;
  REQUIRE(back.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
  CHECK(back.key_id() == proto.key_id());
  CHECK(back.spki_der() == proto.spki_der());
}

TEST_CASE("a signed document is parsed from the verified bytes") {
  const auto& signer = ht::key(ht::Alg::kP256);
  const auto doc = ht::key(ht::Alg::kP384).pub.to_proto();
  const std::string type = hv::payload_type_of("public-key");
  const auto env =
      ht::make_envelope(type, as_chars(hv::deterministic_bytes(doc)), {&signer});
  auto verified = hv::verify_envelope(env, std::span(&signer.pub, 1), 1, type);
  REQUIRE(verified.has_value());
  auto parsed = hv::parse_verified<hallmark::v1::PublicKey>(*verified);
  REQUIRE(parsed.has_value());
  CHECK(parsed->key_id() == doc.key_id());
  CHECK(parsed->algorithm() == hallmark::v1::ECDSA_P384_SHA384);
}

TEST_CASE("verified bytes that are not the expected message fail to parse") {
  hv::VerifiedPayload garbage{"t", hallmark::to_bytes("\xff\xff\xff"), {}};
  auto r = hv::parse_verified<hallmark::v1::PublicKey>(garbage);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == hallmark::ErrorCode::kVerificationFailed);
  CHECK(r.error().message.find("hallmark.v1.PublicKey") != std::string::npos);
}

// Enrollment requests built from keys on a SoftHSM station token: both signatures cover
// the PAE of the exact payload, the payload says what the station is, and keys that are
// not fit for a production role are refused before anything is signed.
#include <doctest/doctest.h>

#include <memory>
#include <optional>

#include "hallmark/station.pb.h"
#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/token_key.h"
#include "station-agent/enrollment/enrollment_request.h"
#include "tests/support/imported_key.h"
#include "testkit/softhsm_fixture.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

using namespace hallmark;
using hallmark::testing::SoftHsmFixture;

namespace {

verifier::Digest digest_of(std::string_view text) { return verifier::sha256(as_bytes(text)).value(); }

struct Station {
  SoftHsmFixture hsm{{"station-token"}};
  hsm::Session session = hsm.open("station-token");
  station::EnrollmentInfo info{"line-3.station_7", digest_of("hallmark-station 0.1"),
                               digest_of("config"), 1'750'000'000, "softhsm2",
                               session.token_info().value()};

  hsm::TokenSigner generated(const std::string& label,
                             v1::KeyAlgorithm algorithm = v1::ECDSA_P256_SHA256) {
    auto key = hsm::generate_key(session, hsm::KeySpec{algorithm, label, {}, false});
    REQUIRE_MESSAGE(key.has_value(), (key ? "" : key.error().message));
    return signer(std::move(*key));
  }
  hsm::TokenSigner imported(bool extractable) {
    testing::import_p256(session, "imported", extractable);
    auto key = hsm::TokenKey::find(session, hsm::TokenUri::parse("pkcs11:object=imported").value());
    REQUIRE_MESSAGE(key.has_value(), (key ? "" : key.error().message));
    return signer(std::move(*key));
  }
  hsm::TokenSigner signer(hsm::TokenKey key) {
    auto s = hsm::TokenSigner::create(session, std::move(key));
    REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
    return std::move(*s);
  }
};

const v1::Signature* signature_by(const v1::Envelope& envelope, const std::string& key_id) {
  for (const auto& s : envelope.signatures()) {
    if (s.keyid() == key_id) return &s;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("an enrollment request from two token keys carries both signatures over the PAE") {
  Station st;
  auto station_key = st.generated("station");
  auto device_ca_key = st.generated("device-ca", v1::ED25519);
  auto request = station::make_enrollment_request(station_key, device_ca_key, st.info);
  REQUIRE_MESSAGE(request.has_value(), (request ? "" : request.error().message));
  CHECK(request->payload_type() == "application/vnd.hallmark.station-enrollment.v1+protobuf");
  REQUIRE(request->signatures_size() == 2);
  const Bytes message = verifier::pae(request->payload_type(), as_bytes(request->payload()));
  for (const auto* signer : {&station_key, &device_ca_key}) {
    const auto* sig = signature_by(*request, signer->key_id());
    REQUIRE(sig != nullptr);
    CHECK(signer->public_key().verify(message, as_bytes(sig->sig())).has_value());
  }
  // The signatures cover these exact bytes: one changed payload byte breaks both.
  std::string payload = request->payload();
  payload[payload.size() / 2] = static_cast<char>(payload[payload.size() / 2] ^ 0x01);
  const Bytes changed = verifier::pae(request->payload_type(), as_bytes(payload));
  for (const auto* signer : {&station_key, &device_ca_key}) {
    CHECK_FALSE(signer->public_key()
                    .verify(changed, as_bytes(signature_by(*request, signer->key_id())->sig()))
                    .has_value());
  }
}

TEST_CASE("the request payload records station id, both public keys, provenance, hashes and "
          "the token with its profile") {
  Station st;
  auto station_key = st.generated("station");
  auto device_ca_key = st.generated("device-ca");
  auto request = station::make_enrollment_request(station_key, device_ca_key, st.info);
  REQUIRE(request.has_value());
  v1::StationEnrollment enrollment;
  REQUIRE(enrollment.ParseFromString(request->payload()));
  CHECK(enrollment.station_id() == "line-3.station_7");
  CHECK(enrollment.station_key().key_id() == station_key.key_id());
  CHECK(enrollment.device_ca_key().key_id() == device_ca_key.key_id());
  CHECK(as_bytes(enrollment.station_key().spki_der()).size() ==
        station_key.public_key().spki_der().size());
  auto parsed = verifier::PublicKey::from_proto(enrollment.device_ca_key());
  REQUIRE(parsed.has_value());
  CHECK(*parsed == device_ca_key.public_key());
  for (const auto* p : {&enrollment.station_key_provenance(),
                        &enrollment.device_ca_key_provenance()}) {
    CHECK(p->local());
    CHECK(p->never_extractable());
    CHECK(p->always_sensitive());
    CHECK_FALSE(p->extractable());
  }
  CHECK(enrollment.software_sha256() == std::string(as_chars(st.info.software_sha256.bytes())));
  CHECK(enrollment.config_sha256() == std::string(as_chars(st.info.config_sha256.bytes())));
  CHECK(enrollment.created_unix() == 1'750'000'000);
  CHECK(enrollment.token_profile() == "softhsm2");
  CHECK(enrollment.token().label() == "station-token");
  // Deterministic: the payload is exactly the deterministic encoding of what it says.
  CHECK(verifier::deterministic_bytes(enrollment) == Bytes(as_bytes(request->payload()).begin(),
                                                           as_bytes(request->payload()).end()));
}

TEST_CASE("an imported extractable key is refused as the station key") {
  Station st;
  auto imported = st.imported(true);
  auto device_ca_key = st.generated("device-ca");
  auto request = station::make_enrollment_request(imported, device_ca_key, st.info);
  REQUIRE_FALSE(request.has_value());
  CHECK(request.error().code == ErrorCode::kPolicyRefused);
  CHECK(request.error().message.find("imported") != std::string::npos);
}

TEST_CASE("an imported key is refused as the device-CA key even if it was never extractable") {
  Station st;
  auto station_key = st.generated("station");
  auto imported = st.imported(false);
  auto request = station::make_enrollment_request(station_key, imported, st.info);
  REQUIRE_FALSE(request.has_value());
  CHECK(request.error().code == ErrorCode::kPolicyRefused);
}

TEST_CASE("one key in both roles is refused: possession of two keys is what is proven") {
  Station st;
  auto station_key = st.generated("station");
  auto same = st.signer(station_key.key());
  auto request = station::make_enrollment_request(station_key, same, st.info);
  REQUIRE_FALSE(request.has_value());
  CHECK(request.error().code == ErrorCode::kPolicyRefused);
}

TEST_CASE("station ids that cannot name a device-CA certificate are refused") {
  CHECK(station::check_station_id("line-3.station_7").has_value());
  CHECK(station::check_station_id(std::string(45, 'a')).has_value());
  for (const std::string& bad : std::initializer_list<std::string>{"", "line 3", "a/b", "caf\xc3\xa9", std::string(46, 'a')}) {
    CAPTURE(bad);
    auto ok = station::check_station_id(bad);
    REQUIRE_FALSE(ok.has_value());
    CHECK(ok.error().code == ErrorCode::kUsage);
  }
  Station st;
  auto station_key = st.generated("station");
  auto device_ca_key = st.generated("device-ca");
  st.info.station_id = "line 3";
  CHECK_FALSE(station::make_enrollment_request(station_key, device_ca_key, st.info).has_value());
}

// `hallmark-station enroll` run as a binary against a throwaway SoftHSM station token.
// The PIN reaches the binary by environment variable name only.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "hallmark/station.pb.h"
#include "hsm-profiles/src/objects.h"
#include "tests/support/imported_key.h"
#include "tests/support/run_command.h"
#include "testkit/softhsm_fixture.h"
#include "verifier/core/dsse.h"
#include "verifier/core/public_key.h"
#include "verifier/core/sha256.h"
#include "verifier/io/file_io.h"
#include "tests/support/text.h"

using namespace hallmark;
using hallmark::testing::CommandResult;
using hallmark::testing::run_command;
using hallmark::testing::shell_quote;
using hallmark::testing::SoftHsmFixture;

using hallmark::testing::contains;

namespace {

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

struct StationToken {
  SoftHsmFixture hsm{{"station-token"}};
  StationToken() {
    ::setenv("HALLMARK_TEST_PIN", SoftHsmFixture::kUserPin, 1);
    ::setenv("HALLMARK_WRONG_PIN", "not-the-pin", 1);
  }
  std::string path(const std::string& name) const { return (hsm.dir() / name).string(); }

  CommandResult enroll(const std::string& out, const std::string& extra = "",
                       const std::string& pin = "env:HALLMARK_TEST_PIN") const {
    return run_command(shell_quote(HALLMARK_STATION_BIN) + " " + extra +
                       " enroll --allow-software-token "
                       "--token pkcs11:token=station-token --station-id station-7 --pin " +
                       pin + " --out " + shell_quote(path(out)));
  }
  CommandResult enroll_with(const std::string& out, const std::string& options) const {
    return run_command(shell_quote(HALLMARK_STATION_BIN) +
                       " enroll --allow-software-token "
                       "--token pkcs11:token=station-token --station-id station-7 "
                       "--pin env:HALLMARK_TEST_PIN --out " +
                       shell_quote(path(out)) + " " + options);
  }
};

struct Request {
  v1::Envelope envelope;
  v1::StationEnrollment enrollment;
};

// Reads the request and checks both signatures with the keys it names (threshold 2).
Request read_request(const std::string& path) {
  auto bytes = fileio::read_file(path, verifier::kMaxEnvelopeBytes);
  REQUIRE(bytes.has_value());
  auto envelope = verifier::parse_envelope_json(as_chars(*bytes));
  REQUIRE(envelope.has_value());
  Request r{*envelope, {}};
  REQUIRE(r.enrollment.ParseFromString(envelope->payload()));
  auto station = verifier::PublicKey::from_proto(r.enrollment.station_key());
  auto device_ca = verifier::PublicKey::from_proto(r.enrollment.device_ca_key());
  REQUIRE((station.has_value() && device_ca.has_value()));
  const verifier::PublicKey keys[] = {*station, *device_ca};
  auto verified = verifier::verify_envelope(*envelope, keys, 2, envelope->payload_type());
  CHECK_MESSAGE(verified.has_value(), (verified ? "" : verified.error().message));
  return r;
}

std::string hex(const std::string& raw) { return to_hex(as_bytes(raw)); }

}  // namespace

TEST_CASE("enroll writes a request signed by both new token keys and reports what to compare") {
  StationToken t;
  auto r = t.enroll("request.json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto request = read_request(t.path("request.json"));
  const auto& e = request.enrollment;
  CHECK(e.station_id() == "station-7");
  CHECK(e.station_key_provenance().local());
  CHECK(e.device_ca_key_provenance().never_extractable());
  CHECK(contains(r.out, "station-7"));
  CHECK(contains(r.out, e.station_key().key_id()));
  CHECK(contains(r.out, e.device_ca_key().key_id()));
  CHECK(count(r.out, "generated on the token") == 2);
  const auto payload_digest = verifier::sha256(as_bytes(request.envelope.payload()));
  REQUIRE(payload_digest.has_value());
  CHECK(contains(r.out, "request payload SHA-256 " + payload_digest->hex()));
  // The software hash is the real binary's, not something the caller chose.
  auto binary = fileio::hash_file(HALLMARK_STATION_BIN);
  REQUIRE(binary.has_value());
  CHECK(hex(e.software_sha256()) == binary->hex());
  CHECK(hex(e.config_sha256()) == verifier::sha256(ByteView{})->hex());
  CHECK(contains(r.out, "no --config"));
}

TEST_CASE("a second enroll reuses both keys, says so, and signs with the same keys") {
  StationToken t;
  REQUIRE(t.enroll("first.json").exit_code == 0);
  auto again = t.enroll("second.json");
  REQUIRE_MESSAGE(again.exit_code == 0, again.err);
  CHECK(count(again.out, "reused") == 2);
  CHECK_FALSE(contains(again.out, "generated"));
  auto first = read_request(t.path("first.json"));
  auto second = read_request(t.path("second.json"));
  CHECK(first.enrollment.station_key().key_id() == second.enrollment.station_key().key_id());
  CHECK(first.enrollment.device_ca_key().key_id() ==
        second.enrollment.device_ca_key().key_id());
}

TEST_CASE("a wrong PIN exits 3 and writes no request") {
  StationToken t;
  auto r = t.enroll("request.json", "", "env:HALLMARK_WRONG_PIN");
  CHECK(r.exit_code == 3);
  CHECK(contains(r.err, "station-token"));
  CHECK_FALSE(contains(r.err + r.out, "not-the-pin"));
  CHECK_FALSE(std::filesystem::exists(t.path("request.json")));
}

TEST_CASE("the --config file's SHA-256 is recorded in the request") {
  StationToken t;
  std::ofstream(t.path("station.conf")) << "sku_allowed: \"widget-1\"\n";
  auto r = t.enroll_with("request.json", "--config " + shell_quote(t.path("station.conf")));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto expected = fileio::hash_file(t.path("station.conf"));
  REQUIRE(expected.has_value());
  CHECK(hex(read_request(t.path("request.json")).enrollment.config_sha256()) == expected->hex());
  CHECK_FALSE(contains(r.out, "no --config"));
}

TEST_CASE("a missing --config file exits 4 before the token is opened, writing nothing") {
  StationToken t;
  auto r = t.enroll_with("request.json", "--config " + shell_quote(t.path("absent.conf")));
  CHECK(r.exit_code == 4);
  CHECK(contains(r.err, "absent.conf"));
  CHECK_FALSE(contains(r.err, "PIN state"));  // no PIN was asked for
  CHECK_FALSE(std::filesystem::exists(t.path("request.json")));
}

TEST_CASE("--json prints the StationEnrollment in protobuf JSON") {
  StationToken t;
  auto r = t.enroll("request.json", "--json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto request = read_request(t.path("request.json"));
  CHECK(contains(r.out, "\"stationId\": \"station-7\""));
  CHECK(contains(r.out, "\"keyId\": \"" + request.enrollment.device_ca_key().key_id() + "\""));
  CHECK(contains(r.out, "\"deviceCaKeyProvenance\""));
  CHECK_FALSE(contains(r.out, "generated on the token"));  // the report goes to stderr
}

TEST_CASE("an invalid station id exits 2 and writes nothing") {
  StationToken t;
  auto r = run_command(shell_quote(HALLMARK_STATION_BIN) +
                       " enroll --allow-software-token "
                       "--token pkcs11:token=station-token --station-id 'line 7' "
                       "--pin env:HALLMARK_TEST_PIN --out " +
                       shell_quote(t.path("request.json")));
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "line 7"));
  CHECK_FALSE(std::filesystem::exists(t.path("request.json")));
}

TEST_CASE("reusing keys of another algorithm than --algorithm asks is refused") {
  StationToken t;
  REQUIRE(t.enroll("first.json").exit_code == 0);  // p256 keys
  auto r = t.enroll_with("second.json", "--algorithm ed25519");
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "ECDSA_P256_SHA256"));
  CHECK_FALSE(std::filesystem::exists(t.path("second.json")));
}

TEST_CASE("an imported extractable key labelled 'station' is refused (exit 1), no request") {
  StationToken t;
  {
    auto session = t.hsm.open("station-token");
    hallmark::testing::import_p256(session, "station", true);
  }
  auto r = t.enroll("request.json");
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "key 'station'"));
  CHECK_FALSE(std::filesystem::exists(t.path("request.json")));
  // Refused before the device-CA key was generated next to it.
  auto session = t.hsm.open("station-token");
  hsm::AttributeTemplate match;
  match.add_text(CKA_LABEL, "device-ca");
  auto left = hsm::find_objects(session, match);
  REQUIRE(left.has_value());
  CHECK(left->empty());
}

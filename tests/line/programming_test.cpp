// Programming units on the line: binding, provisioning plan, attestation before PASS.
#include <openssl/x509.h>

#include <doctest/doctest.h>

#include "station-agent/station/person_events.h"
#include "station-agent/station/station_history.h"
#include "tests/line/line_test_support.h"

namespace hallmark::line::testing {
namespace {

using station::UnitVerdict;

TEST_CASE("units are programmed bound attested and journalled before PASS") {
  LineWorld lw;
  auto line = lw.open_line();
  lw.staff(*line);
  const auto release = lw.release(*line);
  const auto before = line->journal().head().sequence;
  for (int i = 1; i <= 3; ++i) {
    auto sim = lw.device("HW-000" + std::to_string(i));
    const std::string serial = "SN-100" + std::to_string(i);
    const auto outcome = program(*line, release, *sim, serial);
    CHECK_MESSAGE(outcome.verdict == UnitVerdict::kPass, outcome.detail);
    CHECK(outcome.sequence == before + static_cast<std::uint64_t>(i));
    const auto& a = outcome.attestation;
    CHECK(a.event() == v1::Attestation::PROGRAM);
    CHECK(a.serial() == serial);
    CHECK(a.hardware_id() == "HW-000" + std::to_string(i));
    CHECK(a.station_id() == kStationId);
    CHECK(a.operator_name() == "olga");
    CHECK_FALSE(a.operator_session().empty());
    CHECK(a.clock_synced());
    CHECK(a.monotonic_counter() == outcome.sequence);
    CHECK(a.image_digests_size() == 3);
    CHECK(a.measured_size() == 4);  // three regions and the burned key digest
    CHECK(a.key_uris_size() == 2);
    // The device certificate chains to the station's device-CA key.
    const auto* der = reinterpret_cast<const unsigned char*>(a.device_certificate_der().data());
    X509* cert = d2i_X509(nullptr, &der, static_cast<long>(a.device_certificate_der().size()));
    REQUIRE(cert != nullptr);
    const auto& ca_spki = line->keys().device_ca_key.spki_der();
    const auto* spki = reinterpret_cast<const unsigned char*>(ca_spki.data());
    EVP_PKEY* ca = d2i_PUBKEY(nullptr, &spki, static_cast<long>(ca_spki.size()));
    REQUIRE(ca != nullptr);
    CHECK(X509_verify(cert, ca) == 1);
    EVP_PKEY_free(ca);
    X509_free(cert);
  }
  // What the journal holds is signed by the station key and says PASS for each unit.
  auto cursor = line->journal().records_since(before);
  REQUIRE(cursor);
  int passed = 0;
  while (true) {
    auto entry = cursor->next();
    REQUIRE(entry);
    if (!entry->has_value()) break;
    auto event = station::verify_event((*entry)->attestation_envelope, line->keys().station_key);
    REQUIRE(event);
    if (event->result() == v1::Attestation::PASS) ++passed;
  }
  CHECK(passed == 3);
  CHECK(line->history().counts().passed == 3);
}

}  // namespace
}  // namespace hallmark::line::testing

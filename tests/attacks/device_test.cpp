// Attacks and faults around the device itself (docs/threat-model.md, "the wrong part"): the
// station must read what the device is and refuse, before anything is written, a unit that
// is not the part of the bundle's SKU — as a recorded FAIL naming the serial, the SKU's part
// and what was found — and countersign must flag a PASS whose attested device is not its
// bundle's part, whoever signed it. The bundle here is combo-1: esp32-c3 with 4 MiB of flash
// (tests/promote), images at 0x0, 0x10000 and 0x100000, a plan that burns three eFuses.
#include <doctest/doctest.h>

#include "signer/evidence/weekly_report.h"
#include "station-agent/station/unit_programmer.h"
#include "tests/evidence/evidence_test_support.h"
#include "tests/line/forwarding_driver.h"
#include "verifier/core/time_format.h"

namespace hallmark::evidence::testing {
namespace {

using v1::Attestation;
using v1::Finding;
using station::UnitVerdict;

constexpr std::uint32_t kMiB = 1024 * 1024;

bool contains(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

// Nothing reached the device: its whole flash is erased, no eFuse is burned, no identity
// key was made and no certificate installed.
void check_untouched(const hallmark::testing::DevSim& sim, std::uint32_t flash_size) {
  auto driver = line::testing::connect(sim);
  auto m = driver->measure({{0, flash_size}});
  REQUIRE_MESSAGE(m, (m ? "" : m.error().message));
  CHECK(m->region_digests.at(0) == *verifier::sha256(Bytes(flash_size, std::byte{0xFF})));
  CHECK(m->efuses == device::EfuseState{});
  CHECK_FALSE(m->identity_present);
  CHECK_FALSE(m->certificate_present);
}

// A driver that forwards to a real one but whose describe() fails (a `cmd:` config without
// a describe template, a tool that cannot read the chip).
class CannotDescribe final : public line::testing::ForwardingDriver {
 public:
  using ForwardingDriver::ForwardingDriver;
  Result<device::DeviceDescription> describe() override {
    return fail(ErrorCode::kUsage, "command driver: no 'describe' template configured");
  }
};

station::UnitOutcome refused(EvidenceWorld& w, const hallmark::testing::DevSim& sim,
                             const std::string& serial,
                             station::UnitMode mode = station::UnitMode::kProgram) {
  auto outcome = line::testing::program(*w.line, w.release, sim, serial, mode,
                                        mode == station::UnitMode::kRework ? "try again" : "");
  CHECK(outcome.verdict == UnitVerdict::kFail);
  CHECK(outcome.wrong_device);
  CHECK(outcome.attestation.result() == Attestation::FAIL);
  CHECK(outcome.attestation.image_digests_size() == 0);
  CHECK(outcome.attestation.measured_size() == 0);
  CHECK(w.line->journal().head().sequence == outcome.sequence);  // recorded, durable
  return outcome;
}


}  // namespace

TEST_CASE("a board of another family with the same flash (the wrong SKU) is refused before anything is written") {
  EvidenceWorld w;
  // An ESP32-C6 with 4 MiB: only the family tells it from the bundle's esp32-c3.
  auto sim = w.lw.device("HW-C6", {"--family", "ESP32-C6", "--chip-revision", "v0.0"});
  const auto outcome = refused(w, *sim, "SN-WRONG");
  const std::string& detail = outcome.detail;
  CHECK(contains(detail, "wrong device: unit SN-WRONG (device HW-C6)"));
  CHECK(contains(detail, "bundle combo-1 1.2.0 is for (SKU combo-1: family 'esp32-c3', flash "
                         "4194304 bytes (4 MiB)): family 'ESP32-C6' is not the SKU's 'esp32-c3'"));
  CHECK(contains(detail, "nothing was written"));
  CHECK(outcome.attestation.device().family() == "ESP32-C6");
  CHECK(outcome.attestation.device().flash_size() == 4 * kMiB);
  CHECK(outcome.attestation.device().chip_revision() == "v0.0");
  check_untouched(*sim, 4 * kMiB);

  // The case the other way round: an nRF52840 with 1 MiB.
  auto nrf = w.lw.device("HW-NRF", {"--family", "nrf52840", "--flash-size", "1048576"});
  const auto other = refused(w, *nrf, "SN-NRF");
  CHECK(contains(other.detail, "family 'nrf52840' is not the SKU's"));
  CHECK(contains(other.detail, "flash of 1048576 bytes (1 MiB) is not the SKU's 4194304"));
  check_untouched(*nrf, kMiB);

  // Reworking the refused board with the same bundle is refused the same way.
  refused(w, *sim, "SN-WRONG", station::UnitMode::kRework);
  check_untouched(*sim, 4 * kMiB);
}

TEST_CASE("a board of the right family with less flash than the SKU's is refused, naming the image beyond it") {
  EvidenceWorld w;
  auto sim = w.lw.device("HW-SMALL", {"--flash-size", "1048576"});  // esp32-c3, 1 MiB
  const auto outcome = refused(w, *sim, "SN-SMALL");
  CHECK(contains(outcome.detail, "flash of 1048576 bytes (1 MiB) is not the SKU's 4194304 bytes"));
  CHECK(contains(outcome.detail, "image 'data' (0x100000 to 0x102000) lies beyond"));
  check_untouched(*sim, kMiB);
  // And one with more: another part (the catalogue records no such SKU).
  auto big = w.lw.device("HW-BIG", {"--flash-size", std::to_string(8 * kMiB)});
  CHECK(contains(refused(w, *big, "SN-BIG").detail, "flash of 8388608 bytes (8 MiB) is not"));
  check_untouched(*big, 8 * kMiB);
}

TEST_CASE("a family name spelt another way is the same part, a look-alike is not") {
  EvidenceWorld w;
  auto spelt = w.lw.device("HW-SPELT", {"--family", "ESP32_C3"});
  auto pass = line::testing::program(*w.line, w.release, *spelt, "SN-SPELT");
  CHECK(pass.verdict == UnitVerdict::kPass);
  CHECK(pass.attestation.device().family() == "ESP32_C3");
  // A Cyrillic "с" in place of the Latin "c".
  auto lookalike = w.lw.device("HW-CYRILLIC", {"--family", "esp32-\xd1\x81" "3"});
  CHECK(contains(refused(w, *lookalike, "SN-CYRILLIC").detail, "not a family name"));
  check_untouched(*lookalike, 4 * kMiB);
  auto spaced = w.lw.device("HW-SPACED", {"--family", "esp32-c3 "});
  CHECK(contains(refused(w, *spaced, "SN-SPACED").detail, "not a family name"));
  // A family past the limit is recorded cut to 128 bytes (the record stays bounded) and
  // never matches.
  auto longer = w.lw.device("HW-LONG", {"--family", "esp32c3" + std::string(200, 'x')});
  const auto cut = refused(w, *longer, "SN-LONG");
  CHECK(contains(cut.detail, "not a family name"));
  CHECK(cut.attestation.device().family().size() == 128);
}

TEST_CASE("a device tool that cannot say what the device is fails the unit before anything is written") {
  EvidenceWorld w;
  auto sim = w.lw.device("HW-MUTE");
  auto driver = line::testing::connect(*sim);
  CannotDescribe mute(*driver);
  auto outcome = station::program_unit(*w.line, w.release, mute,
                                       {Serial("SN-MUTE"), station::UnitMode::kProgram, ""});
  REQUIRE_MESSAGE(outcome, (outcome ? "" : outcome.error().message));
  CHECK(outcome->verdict == UnitVerdict::kFail);
  CHECK(outcome->wrong_device);
  CHECK(contains(outcome->detail, "the device cannot say what part it is"));
  CHECK(contains(outcome->detail, "no 'describe' template"));
  CHECK_FALSE(outcome->attestation.has_device());
  driver.reset();
  check_untouched(*sim, 4 * kMiB);
}

TEST_CASE("a board swapped mid-run fails the unit and stops the line") {
  EvidenceWorld w;
  // The hardware id reads the same; the part answering at the end is another family.
  auto sim = w.lw.device("HW-SWAP", {"--family-on-reread", "esp32-c6"});
  auto outcome = line::testing::program(*w.line, w.release, *sim, "SN-SWAP");
  CHECK(outcome.verdict == UnitVerdict::kLineStopped);
  CHECK(contains(outcome.detail, "device description changed during programming: family "
                                 "'esp32-c3', flash 4194304 bytes (4 MiB), revision v0.4 then "
                                 "family 'esp32-c6'"));
  CHECK(outcome.attestation.event() == Attestation::LINE_STOP);
  CHECK_FALSE(w.line->require_running());  // no unit until a supervisor's break-glass
}

TEST_CASE("a station-signed PASS on a device that is not the bundle's part is flagged at countersign") {
  EvidenceWorld w;
  auto real_sim = w.lw.device("HW-REAL");
  const Attestation real = line::testing::program(*w.line, w.release, *real_sim, "SN-REAL").attestation;
  REQUIRE(real.result() == Attestation::PASS);
  REQUIRE(real.device().family() == "esp32-c3");
  // A station whose tool or state is in an attacker's hands signs a PASS for the ESP32-C6
  // board, one with too little flash, and one naming no device at all.
  const auto forge = [&](Attestation event, const std::string& serial) {
    event.set_serial(serial);
    event.set_hardware_id("HW-" + serial);
    auto sequence = w.line->record(event, station::ClockState{true, "test"});
    REQUIRE_MESSAGE(sequence, (sequence ? "" : sequence.error().message));
  };
  Attestation c6 = real;
  c6.mutable_device()->set_family("ESP32-C6");
  forge(c6, "SN-C6");
  Attestation small = real;
  small.mutable_device()->set_flash_size(kMiB);
  forge(small, "SN-SMALL");
  Attestation none = real;
  none.clear_device();
  forge(none, "SN-NONE");
  // The station refusing a wrong board is the station working: no finding.
  auto wrong_sim = w.lw.device("HW-WRONG", {"--family", "nrf52840"});
  refused(w, *wrong_sim, "SN-WRONG");
  auto counted = w.countersign({w.export_now("e.export")});
  REQUIRE_MESSAGE(counted, (counted ? "" : counted.error().message));

  CHECK_FALSE(has_finding(entry_of(w, "SN-REAL"), Finding::DEVICE_MISMATCH));
  CHECK_FALSE(has_finding(entry_of(w, "SN-WRONG"), Finding::DEVICE_MISMATCH));
  const auto flagged_c6 = entry_of(w, "SN-C6");
  REQUIRE(has_finding(flagged_c6, Finding::DEVICE_MISMATCH));
  CHECK(contains(detail_of(flagged_c6, Finding::DEVICE_MISMATCH),
                 "serial 'SN-C6' passed with bundle combo-1 1.2.0 on a device that is not its part"));
  CHECK(contains(detail_of(flagged_c6, Finding::DEVICE_MISMATCH),
                 "family 'ESP32-C6' is not the SKU's 'esp32-c3'"));
  const auto flagged_small = entry_of(w, "SN-SMALL");
  REQUIRE(has_finding(flagged_small, Finding::DEVICE_MISMATCH));
  CHECK(contains(detail_of(flagged_small, Finding::DEVICE_MISMATCH), "lies beyond"));
  const auto flagged_none = entry_of(w, "SN-NONE");
  REQUIRE(has_finding(flagged_none, Finding::DEVICE_MISMATCH));
  CHECK(contains(detail_of(flagged_none, Finding::DEVICE_MISMATCH), "names no device description"));

  // The weekly report counts them with the bundle findings.
  auto report = weekly_report(*w.store, verifier::iso_week(w.now()));
  REQUIRE(report);
  REQUIRE(report->stations_size() == 1);
  CHECK(report->stations(0).bundle_findings() >= 3);
}

}  // namespace hallmark::evidence::testing

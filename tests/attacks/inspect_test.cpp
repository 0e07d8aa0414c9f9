// Inspecting a unit against its evidence (docs/threat-model.md, "a returned or inspected
// unit"): a real station-1 line programs units on hallmark-devsim devices (state kept in a
// file, so a test can change what the chip holds the way a tamperer or a fault would),
// countersign writes their manifests, and the inspection reads the device and compares it
// with the manifests and the promoted bundle — read-only (device::inspect_device, as
// `hallmark-verify unit` runs it) or at the station's RMA desk (station::receive_return,
// which journals RMA_RECEIVED and stops the line on a unit that is not what its evidence
// says). Countersign accepts the new event and keeps its clone and scrap checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "signer/evidence/manifest_files.h"
#include "station-agent/driver/unit_reading.h"
#include "station-agent/station/unit_return.h"
#include "tests/evidence/evidence_test_support.h"
#include "verifier/bundle/promoted_bundle.h"
#include "verifier/inspect/manifest_source.h"

namespace hallmark::evidence::testing {
namespace {

using v1::Attestation;
using v1::Finding;
using inspect::CheckStatus;

bool contains(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

// The value of `key` in a devsim state file.
std::string state_field(const std::string& text, const std::string& key) {
  const auto at = text.find("\n" + key + " ");
  REQUIRE(at != std::string::npos);
  const auto start = at + key.size() + 2;
  return text.substr(start, text.find('\n', start) - start);
}

std::string with_field(std::string text, const std::string& key, const std::string& value) {
  const std::string old = state_field(text, key);
  const auto at = text.find("\n" + key + " ") + key.size() + 2;
  return text.replace(at, old.size(), value);
}

// Two units programmed (SN-A1 on HW-A1, SN-B2 on HW-B2, their chips' state in files),
// exported, countersigned, and their manifests written as `hallmark-signer manifests` does.
struct InspectWorld {
  EvidenceWorld w;
  std::filesystem::path manifests;
  std::filesystem::path state_a, state_b;
  std::unique_ptr<hallmark::testing::DevSim> a, b;
  int exports = 0;

  InspectWorld() : manifests(w.path("manifests")), state_a(w.path("a.state")), state_b(w.path("b.state")) {
    a = w.lw.device("HW-A1", {"--state", state_a.string()});
    b = w.lw.device("HW-B2", {"--state", state_b.string()});
    CHECK(line::testing::program(*w.line, w.release, *a, "SN-A1").verdict == station::UnitVerdict::kPass);
    CHECK(line::testing::program(*w.line, w.release, *b, "SN-B2").verdict == station::UnitVerdict::kPass);
    countersign_now();
  }

  void countersign_now() {
    auto result = w.countersign({w.export_now(fmt::format("export-{}.pb", ++exports))});
    REQUIRE_MESSAGE(result, (result ? "" : result.error().message));
    auto written = write_manifest_files(*w.store, manifests, {});
    REQUIRE_MESSAGE(written, (written ? "" : written.error().message));
  }

  std::vector<bundle::VerifiedRelease> releases() {
    auto verified = bundle::verify_promoted_bundle(w.lw.promoted, w.lw.w.trust(w.now()), {});
    REQUIRE_MESSAGE(verified, (verified ? "" : verified.error().message));
    std::vector<bundle::VerifiedRelease> out;
    out.push_back(std::move(*verified));
    return out;
  }

  // The read-only inspection of `sim` against the manifests in `dir`.
  inspect::Inspection inspect(const hallmark::testing::DevSim& sim,
                              std::optional<std::string> label = {},
                              std::optional<std::filesystem::path> dir = {}) {
    auto loaded = inspect::load_manifests({dir.value_or(manifests)}, w.root);
    REQUIRE_MESSAGE(loaded, (loaded ? "" : loaded.error().message));
    const auto bundles = releases();
    auto driver = line::testing::connect(sim);
    auto inspected = device::inspect_device(*driver, {&*loaded, &bundles, optional_id<Serial>(label)});
    REQUIRE_MESSAGE(inspected, (inspected ? "" : inspected.error().message));
    return inspected->inspection;
  }

  // The chip of unit A changed in its state file, then plugged in again.
  void change_a(const std::string& key, const std::string& value) {
    a.reset();  // the simulator saves every change: stopped, its file is what the chip holds
    write_text(state_a, with_field(read_text(state_a), key, value));
    a = w.lw.device("HW-A1", {"--state", state_a.string()});
  }

  Result<station::ReturnOutcome> receive(const hallmark::testing::DevSim& sim,
                                         std::optional<std::string> label = {}) {
    auto driver = line::testing::connect(sim);
    return station::receive_return(*w.line, *driver,
                                   {{manifests}, {}, optional_id<Serial>(label), "customer: no boot"});
  }
};

const inspect::Check* check_named(const inspect::Inspection& i, std::string_view name) {
  for (const auto& c : i.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

CheckStatus status_of(const inspect::Inspection& i, std::string_view name) {
  const auto* c = check_named(i, name);
  REQUIRE_MESSAGE(c != nullptr, std::string(name));
  return c->status;
}

TEST_CASE("a genuine unit inspects as its evidence says, every check named") {
  InspectWorld t;
  const auto i = t.inspect(*t.a, "SN-A1");
  INFO(i.summary());
  CHECK(i.ok());
  CHECK_FALSE(i.identity_mismatch);
  CHECK(i.serial == Serial("SN-A1"));
  for (const char* name : {"binding", "scrap", "bundle", "efuse key-digest",
                           "efuse secure-boot-enable", "efuse debug-disable", "secure-boot", "boot",
                           "certificate"}) {
    CHECK_MESSAGE(status_of(i, name) == CheckStatus::kPass, name);
  }
  CHECK(std::count_if(i.checks.begin(), i.checks.end(), [](const auto& c) {
          return c.name.starts_with("region ") && c.status == CheckStatus::kPass;
        }) == 3);
}

TEST_CASE("a unit whose flash differs from the bundle's image fails its region check") {
  InspectWorld t;
  const auto claims = bundle::unit_claims(t.releases().front().bundle, t.releases().front().release);
  REQUIRE(claims);
  const auto& app = claims->written.back();
  {
    auto driver = line::testing::connect(*t.a);
    REQUIRE(driver->write(static_cast<std::uint32_t>(app.address) + 64, Bytes(16, std::byte{0x42}), {}));
  }
  const auto i = t.inspect(*t.a, "SN-A1");
  CHECK_FALSE(i.ok());
  CHECK_FALSE(i.identity_mismatch);
  CHECK(status_of(i, "region " + app.name) == CheckStatus::kFail);
  CHECK(contains(check_named(i, "region " + app.name)->detail, app.sha256.hex()));
}

TEST_CASE("a unit whose eFuses are not as planned fails the eFuse check") {
  InspectWorld t;
  t.change_a("debug_disable", "00");
  const auto i = t.inspect(*t.a);
  CHECK_FALSE(i.ok());
  CHECK(status_of(i, "efuse debug-disable") == CheckStatus::kFail);
  CHECK(status_of(i, "efuse secure-boot-enable") == CheckStatus::kPass);
}

TEST_CASE("a unit whose eFuse key digest is another key's fails the eFuse check") {
  InspectWorld t;
  t.change_a("key_digest", std::string(64, 'a'));
  const auto i = t.inspect(*t.a);
  CHECK_FALSE(i.ok());
  CHECK(status_of(i, "efuse key-digest") == CheckStatus::kFail);
  CHECK(contains(check_named(i, "efuse key-digest")->detail, std::string(64, 'a')));
}

TEST_CASE("a unit with secure boot off fails the secure-boot check") {
  InspectWorld t;
  t.change_a("secure_boot", "00");
  const auto i = t.inspect(*t.a, "SN-A1");
  CHECK_FALSE(i.ok());
  CHECK(status_of(i, "secure-boot") == CheckStatus::kFail);
  CHECK(status_of(i, "efuse secure-boot-enable") == CheckStatus::kFail);
}

TEST_CASE("a swapped unit (its hardware id bound to another serial) fails the binding") {
  InspectWorld t;
  const auto i = t.inspect(*t.a, "SN-B2");  // A's board under B's label
  CHECK_FALSE(i.ok());
  CHECK(i.identity_mismatch);
  CHECK(status_of(i, "binding") == CheckStatus::kFail);
  CHECK(contains(check_named(i, "binding")->detail, "bound to serial SN-A1"));
}

// The evidence also binds the unit's serial to another board (a clone sold under the same
// label, or a label moved to another board): the unit in hand is not the only one with that
// identity, and the inspection must not pass it.
TEST_CASE("a cloned serial (also bound to another hardware id) fails the binding, naming the other board") {
  InspectWorld t;
  t.w.record(Attestation::PROGRAM, "SN-A1", "HW-X9");
  t.countersign_now();
  const auto i = t.inspect(*t.a, "SN-A1");
  CHECK_FALSE(i.ok());
  CHECK(status_of(i, "binding") == CheckStatus::kFail);
  CHECK(contains(check_named(i, "binding")->detail, "also bound to hardware id HW-X9"));
}

TEST_CASE("manifests of another serial do not vouch for the unit: never bound") {
  InspectWorld t;
  const auto only_b = t.w.path("manifests-b");
  REQUIRE(write_manifest_files(*t.w.store, only_b, {.first = 0, .last = std::nullopt, .serial = Serial("SN-B2"), .station_id = std::nullopt}));
  const auto i = t.inspect(*t.a, "SN-A1", only_b);
  CHECK_FALSE(i.ok());
  CHECK(i.identity_mismatch);
  CHECK(contains(check_named(i, "binding")->detail, "bound to no serial"));
  CHECK(status_of(i, "bundle") == CheckStatus::kFail);
  CHECK(status_of(i, "certificate") == CheckStatus::kFail);
}

TEST_CASE("a tampered manifest refuses the inspection, naming the file") {
  InspectWorld t;
  std::filesystem::path victim;
  for (const auto& e : std::filesystem::directory_iterator(t.manifests)) {
    if (e.path().filename().string().starts_with("SN-A1.")) victim = e.path();
  }
  REQUIRE_FALSE(victim.empty());
  std::string text = read_text(victim);
  // The manifest bytes in base64: one character changed changes the leaf.
  const auto at = text.find("\"manifest\": \"") + 20;
  text[at] = text[at] == 'A' ? 'B' : 'A';
  write_text(victim, text);
  auto loaded = inspect::load_manifests({t.manifests}, t.w.root);
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code == ErrorCode::kVerificationFailed);
  CHECK(contains(loaded.error().message, victim.filename().string()));
}

TEST_CASE("a unit holding another identity key than its certificate fails the certificate check") {
  InspectWorld t;
  t.b.reset();
  const std::string key_b = state_field(read_text(t.state_b), "identity");
  t.change_a("identity", key_b);
  const auto i = t.inspect(*t.a, "SN-A1");
  CHECK_FALSE(i.ok());
  CHECK(status_of(i, "certificate") == CheckStatus::kFail);
  CHECK(contains(check_named(i, "certificate")->detail, "is not the key"));
}

TEST_CASE("a station-signed certificate not issued by the device CA fails the certificate check") {
  InspectWorld t;
  // A compromised station attests a unit with a certificate whose signature is not the
  // device-CA's (its last byte changed): the event is signed, the certificate is not as issued.
  auto sim = t.w.lw.device("HW-C3");
  auto outcome = line::testing::program(*t.w.line, t.w.release, *sim, "SN-C3");
  std::string der = outcome.attestation.device_certificate_der();
  der.back() = static_cast<char>(der.back() ^ 0x01);
  v1::Attestation forged = outcome.attestation;
  forged.set_event(Attestation::REWORK);
  forged.set_device_certificate_der(der);
  forged.add_linked_sequences(outcome.sequence);
  REQUIRE(t.w.line->record(forged, station::ClockState{true, "test"}));
  t.countersign_now();
  const auto i = t.inspect(*sim, "SN-C3");
  CHECK_FALSE(i.ok());
  CHECK(status_of(i, "certificate") == CheckStatus::kFail);
  CHECK(contains(check_named(i, "certificate")->detail, "not as issued"));
}

TEST_CASE("a returned unit is journaled as RMA_RECEIVED and countersigned without findings") {
  InspectWorld t;
  auto outcome = t.receive(*t.a, "SN-A1");
  REQUIRE_MESSAGE(outcome, (outcome ? "" : outcome.error().message));
  CHECK(outcome->inspection.ok());
  CHECK_FALSE(outcome->line_stop);
  CHECK(outcome->attestation.event() == Attestation::RMA_RECEIVED);
  CHECK(outcome->attestation.result() == Attestation::PASS);
  CHECK(outcome->attestation.reason() == "customer: no boot");
  CHECK(outcome->attestation.linked_sequences_size() > 0);
  CHECK_FALSE(t.w.line->history().line_stop());
  t.countersign_now();
  const auto rma = entries(*t.w.store, by_serial("SN-A1")).back();
  CHECK(rma.event == Attestation::RMA_RECEIVED);
  CHECK(findings_of(rma).empty());
}

TEST_CASE("a returned unit whose flash was changed is recorded as a failed RMA, the line runs") {
  InspectWorld t;
  t.change_a("secure_boot", "00");
  auto outcome = t.receive(*t.a, "SN-A1");
  REQUIRE_MESSAGE(outcome, (outcome ? "" : outcome.error().message));
  CHECK(outcome->attestation.result() == Attestation::FAIL);
  CHECK(contains(outcome->attestation.detail(), "secure-boot"));
  CHECK_FALSE(outcome->line_stop);
}

TEST_CASE("RMA of a never-bound hardware id stops the line") {
  InspectWorld t;
  auto stranger = t.w.lw.device("HW-Z9");
  auto outcome = t.receive(*stranger, "SN-A1");
  REQUIRE_MESSAGE(outcome, (outcome ? "" : outcome.error().message));
  CHECK(outcome->attestation.result() == Attestation::FAIL);
  REQUIRE(outcome->line_stop);
  REQUIRE(t.w.line->history().line_stop());
  CHECK(t.w.line->history().line_stop()->sequence == *outcome->line_stop);
  // Nothing more until a break-glass: the next unit is refused.
  auto next = t.receive(*t.a, "SN-A1");
  REQUIRE_FALSE(next);
  CHECK(next.error().code == ErrorCode::kPolicyRefused);
}

TEST_CASE("RMA of a scrapped unit stops the line, and countersign flags it back") {
  InspectWorld t;
  REQUIRE(station::scrap_unit(*t.w.line, HardwareId("HW-B2"), nullptr, "cracked case"));
  t.countersign_now();
  auto outcome = t.receive(*t.b, "SN-B2");
  REQUIRE_MESSAGE(outcome, (outcome ? "" : outcome.error().message));
  CHECK(status_of(outcome->inspection, "scrap") == CheckStatus::kFail);
  CHECK(outcome->line_stop);
  t.countersign_now();
  const auto all = entries(*t.w.store, by_hardware_id("HW-B2"));
  const auto rma = std::find_if(all.begin(), all.end(), [](const LogEntry& e) {
    return e.event == Attestation::RMA_RECEIVED;
  });
  REQUIRE(rma != all.end());
  CHECK(has_finding(*rma, Finding::SCRAPPED_RETURNED));
}

TEST_CASE("countersign keeps its clone check for RMA_RECEIVED events") {
  InspectWorld t;
  // A station that records a return of HW-A1 under B's serial is flagged, whoever signed it.
  t.w.record(Attestation::RMA_RECEIVED, "SN-B2", "HW-A1");
  t.countersign_now();
  const auto all = entries(*t.w.store, by_hardware_id("HW-A1"));
  CHECK(has_finding(all.back(), Finding::HARDWARE_CLONE));
}

}  // namespace
}  // namespace hallmark::evidence::testing

#include "verifier/inspect/unit_inspection.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "verifier/bundle/bundle_rules.h"
#include "verifier/trust/station_registration.h"

namespace hallmark::inspect {
namespace {

using Event = v1::Attestation;

bool programs(Event::Event event) { return event == Event::PROGRAM || event == Event::REWORK; }

template <class Id>
void add_unique(std::vector<Id>& out, const Id& value) {
  if (!value.empty() && std::find(out.begin(), out.end(), value) == out.end()) out.push_back(value);
}

Check pass(std::string name, std::string detail) {
  return Check{std::move(name), CheckStatus::kPass, std::move(detail)};
}
Check failed(std::string name, std::string detail) {
  return Check{std::move(name), CheckStatus::kFail, std::move(detail)};
}
Check skipped(std::string name, std::string detail) {
  return Check{std::move(name), CheckStatus::kSkipped, std::move(detail)};
}

// Hardware id <-> serial as bound, and the label; true when the device is the unit.
bool check_binding(const UnitEvidence& e, const std::optional<Serial>& label,
                   std::vector<Check>& out) {
  if (e.serials.empty()) {
    out.push_back(failed("binding",
                         fmt::format("hardware id {} is bound to no serial in the manifests "
                                     "given: this device was never programmed here, or its "
                                     "manifests are not among them",
                                     e.hardware_id)));
    return false;
  }
  if (e.serials.size() > 1) {
    out.push_back(failed("binding", fmt::format("hardware id {} was countersigned as serials {}",
                                                e.hardware_id, fmt::join(e.serials, ", "))));
    return false;
  }
  if (label && *label != e.serial) {
    out.push_back(failed("binding",
                         fmt::format("the unit is labelled {}, but its hardware id {} is bound "
                                     "to serial {} (swapped unit or label?)",
                                     *label, e.hardware_id, e.serial)));
    return false;
  }
  if (!e.other_units.empty()) {
    std::vector<HardwareId> others;
    for (const auto* m : e.other_units) add_unique(others, HardwareId(m->manifest.hardware_id()));
    out.push_back(failed("binding", fmt::format("serial {} is also bound to hardware id {} "
                                                "(log entry {}): a cloned or swapped unit",
                                                label.value_or(e.serial), fmt::join(others, ", "),
                                                e.other_units.front()->leaf_index)));
    return false;
  }
  out.push_back(pass("binding", fmt::format("hardware id {} is bound to serial {} ({} event(s))",
                                            e.hardware_id, e.serial, e.events.size())));
  return true;
}

void check_regions(const bundle::UnitClaims& claims, const UnitReading& reading,
                   std::vector<Check>& out) {
  if (reading.region_digests.size() != claims.written.size()) {
    out.push_back(failed("regions", fmt::format("the device measured {} regions, {} were asked",
                                                reading.region_digests.size(),
                                                claims.written.size())));
    return;
  }
  for (std::size_t i = 0; i < claims.written.size(); ++i) {
    const auto& image = claims.written[i];
    const auto& digest = reading.region_digests[i];
    std::string name = fmt::format("region {}", image.name);
    if (digest == image.sha256) {
      out.push_back(pass(std::move(name), fmt::format("{} measures {}, the bundle's image",
                                                      image.region, digest.hex())));
    } else {
      out.push_back(failed(std::move(name),
                           fmt::format("{} measures {}, the bundle's image '{}' is {}: the "
                                       "flash does not hold the firmware the evidence names",
                                       image.region, digest.hex(), image.name, image.sha256.hex())));
    }
  }
}

// Each eFuse the bundle plans, as planned; a key digest burned that the bundle does not
// plan, or another key's, is a failure too.
void check_efuses(const v1::Bundle& bundle, const bundle::UnitClaims& claims,
                  const UnitReading& reading, std::vector<Check>& out) {
  bool key_planned = false;
  for (const auto& setting : bundle.efuses()) {
    const std::string& name = setting.name();
    const std::string check = fmt::format("efuse {}", name);
    if (name == bundle::kEfuseSecureBoot || name == bundle::kEfuseDebugDisable) {
      const bool burned = name == bundle::kEfuseSecureBoot ? reading.secure_boot_enabled
                                                           : reading.debug_disabled;
      out.push_back(burned ? pass(check, "burned, as planned")
                           : failed(check, "not burned, but the bundle's plan burns it"));
    } else if (name == bundle::kEfuseKeyDigest) {
      key_planned = true;
      if (!claims.key_digest) {
        out.push_back(failed(check, "planned, but the release records no secure-boot key digest"));
      } else if (!reading.key_digest_burned) {
        out.push_back(failed(check, "not burned, but the bundle's plan burns the release key's digest"));
      } else if (reading.key_digest != *claims.key_digest) {
        out.push_back(failed(check, fmt::format("burned with {}, the release key's digest is {}",
                                                reading.key_digest.hex(), claims.key_digest->hex())));
      } else {
        out.push_back(pass(check, fmt::format("the release key's digest {}", reading.key_digest.hex())));
      }
    } else {
      out.push_back(failed(check, "an eFuse this inspection does not know how to read"));
    }
  }
  if (!key_planned && reading.key_digest_burned) {
    out.push_back(failed("efuse key-digest", fmt::format("burned with {}, but the bundle plans no "
                                                         "secure-boot key",
                                                         reading.key_digest.hex())));
  }
  if (bundle.efuses().empty() && !reading.key_digest_burned) {
    out.push_back(skipped("efuses", "the bundle plans no eFuse"));
  }
}

bool plans_secure_boot(const v1::Bundle& bundle) {
  return std::any_of(bundle.efuses().begin(), bundle.efuses().end(),
                     [](const auto& s) { return s.name() == bundle::kEfuseSecureBoot; });
}

void check_certificate(const UnitEvidence& e, const UnitReading& reading, std::vector<Check>& out) {
  const verifier::VerifiedManifest* issued = nullptr;
  for (const auto* m : e.events) {
    if (programs(m->manifest.event()) && m->manifest.result() == Event::PASS &&
        !m->attestation.device_certificate_der().empty()) {
      issued = m;
    }
  }
  if (issued == nullptr) {
    out.push_back(failed("certificate", "no passing event of the unit carries an identity certificate"));
    return;
  }
  const verifier::VerifiedStation& station = *issued->station;
  auto certificate = verifier::verify_device_certificate(
      as_bytes(issued->attestation.device_certificate_der()),
      as_bytes(station.registration.device_ca_certificate_der()), station.enrollment.device_ca_key,
      e.serial.str(), issued->attestation.time_unix());
  if (!certificate) {
    out.push_back(failed("certificate",
                         fmt::format("the certificate of log entry {} is not as issued: {}",
                                     issued->leaf_index, certificate.error().message)));
    return;
  }
  if (!reading.identity_key) {
    out.push_back(failed("certificate", "the device holds no identity key"));
    return;
  }
  if (!(*reading.identity_key == certificate->device_key)) {
    out.push_back(failed("certificate",
                         fmt::format("the device's identity key {} is not the key {} certified "
                                     "for serial {} by {}'s device-CA (log entry {})",
                                     reading.identity_key->key_id(), certificate->device_key.key_id(),
                                     e.serial, issued->station_id, issued->leaf_index)));
    return;
  }
  out.push_back(pass("certificate",
                     fmt::format("serial {}, device key {}, issued by {}'s device-CA (log entry {})",
                                 certificate->common_name, certificate->device_key.key_id(),
                                 issued->station_id, issued->leaf_index)));
}

}  // namespace

const char* status_name(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPass: return "PASS";
    case CheckStatus::kFail: return "FAIL";
    case CheckStatus::kSkipped: return "SKIPPED";
  }
  return "FAIL";
}

bool Inspection::ok() const {
  return !checks.empty() && std::none_of(checks.begin(), checks.end(), [](const Check& c) {
    return c.status == CheckStatus::kFail;
  });
}

std::string Inspection::summary() const {
  std::string out;
  for (const auto& c : checks) {
    if (c.status != CheckStatus::kFail) continue;
    out += fmt::format("{}{}: {}", out.empty() ? "" : "; ", c.name, c.detail);
  }
  return out.empty() ? fmt::format("all {} checks passed", checks.size()) : out;
}

UnitEvidence find_unit_evidence(std::span<const verifier::VerifiedManifest> manifests,
                                const HardwareId& device, const std::optional<Serial>& label) {
  const std::string& hardware_id = device.str();
  UnitEvidence e;
  e.hardware_id = device;
  std::vector<const verifier::VerifiedManifest*> sorted;
  for (const auto& m : manifests) sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->leaf_index < b->leaf_index; });
  for (const auto* m : sorted) {
    if (m->manifest.hardware_id() != hardware_id) continue;
    e.events.push_back(m);
    add_unique(e.serials, Serial(m->manifest.serial()));
    if (m->manifest.event() == Event::SCRAP) e.scrapped = m;
    if (programs(m->manifest.event()) && m->manifest.result() == Event::PASS) e.programmed = m;
  }
  if (e.serials.size() == 1) e.serial = e.serials.front();
  // The serial as bound (or as labelled) on another device: a clone or a swap.
  const std::string& serial = label ? label->str() : e.serial.str();
  for (const auto* m : sorted) {
    if (!serial.empty() && m->manifest.serial() == serial && m->manifest.hardware_id() != hardware_id &&
        !m->manifest.hardware_id().empty()) {
      e.other_units.push_back(m);
    }
  }
  if (e.programmed != nullptr) {
    auto digest = verifier::Digest::from_bytes(as_bytes(e.programmed->manifest.bundle_digest()));
    if (digest) e.bundle_digest = *digest;
  }
  return e;
}

Result<bundle::UnitClaims> inspected_regions(const bundle::VerifiedRelease& release) {
  return bundle::unit_claims(release.bundle, release.release);
}

Inspection inspect_unit(const UnitEvidence& evidence, const std::optional<Serial>& label,
                        const bundle::VerifiedRelease* release, const bundle::UnitClaims* claims,
                        const UnitReading& reading) {
  Inspection out;
  out.hardware_id = reading.hardware_id;
  out.serial = evidence.serial;
  out.label = label.value_or(Serial());
  out.bundle_digest = evidence.bundle_digest;
  for (const auto* m : evidence.events) out.log_indexes.push_back(m->leaf_index);
  auto& checks = out.checks;
  if (reading.hardware_id != evidence.hardware_id) {
    checks.push_back(failed("binding", fmt::format("the device reports hardware id {}, the "
                                                   "evidence was picked for {}",
                                                   reading.hardware_id, evidence.hardware_id)));
    out.identity_mismatch = true;
    return out;
  }
  out.identity_mismatch = !check_binding(evidence, label, checks);
  if (evidence.scrapped != nullptr) {
    checks.push_back(failed("scrap", fmt::format("hardware id {} was scrapped at {} (log entry "
                                                 "{}): a scrapped unit is back",
                                                 evidence.hardware_id, evidence.scrapped->station_id,
                                                 evidence.scrapped->leaf_index)));
    out.identity_mismatch = true;
  } else {
    checks.push_back(pass("scrap", "not scrapped in the manifests given"));
  }
  if (evidence.programmed == nullptr || !evidence.bundle_digest) {
    checks.push_back(failed("bundle", "no passing program or rework of this unit names a bundle: "
                                      "there is nothing to compare its flash with"));
  } else if (release == nullptr || claims == nullptr ||
             release->bundle_digest != *evidence.bundle_digest) {
    checks.push_back(failed("bundle", fmt::format("the evidence names bundle {}, which was not "
                                                  "given (--bundle its promoted bundle file)",
                                                  evidence.bundle_digest->hex())));
  } else {
    checks.push_back(pass("bundle", fmt::format("{} {} ({}), named by log entry {}",
                                                release->bundle.sku(), release->bundle.version(),
                                                release->bundle_digest.hex(),
                                                evidence.programmed->leaf_index)));
    check_regions(*claims, reading, checks);
    check_efuses(release->bundle, *claims, reading, checks);
    if (plans_secure_boot(release->bundle)) {
      checks.push_back(reading.secure_boot_enabled
                           ? pass("secure-boot", "enabled")
                           : failed("secure-boot", "off: the device boots unsigned code, but the "
                                                   "bundle's plan enables secure boot"));
    } else {
      checks.push_back(skipped("secure-boot", fmt::format("the bundle's plan does not enable it "
                                                          "(device: {})",
                                                          reading.secure_boot_enabled ? "on" : "off")));
    }
  }
  checks.push_back(reading.boots ? pass("boot", reading.boot_reason)
                                 : failed("boot", fmt::format("the boot ROM refuses the bootloader: {}",
                                                              reading.boot_reason)));
  if (evidence.serial.empty()) {
    checks.push_back(failed("certificate", "no serial is bound: no certificate to compare"));
  } else {
    check_certificate(evidence, reading, checks);
  }
  return out;
}

}  // namespace hallmark::inspect

#include "verifier/inspect/inspection_render.h"

#include <fmt/format.h>

#include "verifier/core/printable.h"

namespace hallmark::inspect {

v1::UnitInspection to_proto(const Inspection& inspection) {
  v1::UnitInspection out;
  out.set_hardware_id(inspection.hardware_id.str());
  out.set_serial(inspection.serial.str());
  out.set_label(inspection.label.str());
  out.set_ok(inspection.ok());
  for (const auto& c : inspection.checks) {
    auto* check = out.add_checks();
    check->set_name(c.name);
    check->set_status(status_name(c.status));
    check->set_detail(c.detail);
  }
  if (inspection.bundle_digest) {
    out.set_bundle_digest(std::string(as_chars(inspection.bundle_digest->bytes())));
  }
  for (auto index : inspection.log_indexes) out.add_log_indexes(index);
  return out;
}

std::string render_inspection(const Inspection& inspection) {
  // The hardware id and the serials come from a device and from files: printed safely.
  std::string out = fmt::format(
      "INSPECTION {}: hardware id {}, serial {}{}\n", inspection.ok() ? "PASS" : "FAIL",
      verifier::printable(inspection.hardware_id.str()),
      inspection.serial.empty() ? std::string("(never bound)")
                                : verifier::printable(inspection.serial.str()),
      inspection.label.empty()
          ? std::string()
          : fmt::format(" (labelled {})", verifier::printable(inspection.label.str())));
  for (const auto& c : inspection.checks) {
    out += fmt::format("  {:<7} {}: {}\n", status_name(c.status), c.name, verifier::printable(c.detail));
  }
  return out;
}

}  // namespace hallmark::inspect

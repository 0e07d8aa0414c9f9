// An inspection (unit_inspection.h) for people (text, one line per check) and for tools
// (v1::UnitInspection, the `--json` of `hallmark-verify unit` and `hallmark-station
// inspect`). One rendering for both front ends. Pure; thread-safe.
#pragma once

#include <string>

#include "hallmark/tool_output.pb.h"
#include "verifier/inspect/unit_inspection.h"

namespace hallmark::inspect {

[[nodiscard]] v1::UnitInspection to_proto(const Inspection& inspection);

// "INSPECTION PASS|FAIL: hardware id H, serial S" then one "  STATUS name: detail" per check.
[[nodiscard]] std::string render_inspection(const Inspection& inspection);

}  // namespace hallmark::inspect

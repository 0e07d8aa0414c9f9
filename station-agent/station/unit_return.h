// Receiving a returned unit at a station (the RMA desk): the unit is inspected against its
// evidence (station-agent/driver/unit_reading.h: its manifests, verified under the
// station's pinned trust root with every revocation in force, and the promoted bundle they
// name — one given with --bundle or one in the station's verified cache) and against this
// station's own history, and the result is journaled as an RMA_RECEIVED event (result PASS
// or FAIL, detail: the failed checks, reason: why it came back), so the unit's history in
// the evidence includes its return.
//
// A returned unit that is not the unit its evidence or label says — a hardware id never
// bound, bound to another serial, its serial on another device, scrapped here or in the
// evidence — STOPS THE LINE after its RMA_RECEIVED record (a LINE_STOP event), like any
// other mismatch; only a break-glass releases it. Requires an operator session and a
// running line, like every unit event. The device is only read. Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hallmark/station.pb.h"
#include "station-agent/driver/unit_reading.h"
#include "station-agent/station/station_line.h"

namespace hallmark::station {

struct ReturnRequest {
  std::vector<std::filesystem::path> manifests;  // files or directories of *.manifest.json
  std::vector<std::filesystem::path> bundles;    // promoted bundles beyond the station's cache
  std::optional<Serial> label;                   // the serial on the unit's label
  std::string reason;                            // why it came back (required)
};

struct ReturnOutcome {
  inspect::Inspection inspection;
  std::uint64_t sequence = 0;                    // the RMA_RECEIVED record
  std::optional<std::uint64_t> line_stop;        // the LINE_STOP record, when it stopped
  v1::Attestation attestation;                   // as signed
};

// kUsage (no reason, a malformed label), kPolicyRefused (no session, a stopped line, a
// revoked station, a refused clock), kVerificationFailed (a manifest or bundle given that
// does not verify), kIo (the device, a file, the journal): nothing recorded. Otherwise the
// outcome, durable in the journal.
[[nodiscard]] Result<ReturnOutcome> receive_return(StationLine& line, device::DeviceDriver& device,
                                                   const ReturnRequest& request);

}  // namespace hallmark::station

// What the evidence store's scenarios (store_scenarios.cpp, sighting_scenarios.cpp) share:
// the sample log's time base, result checks that fail the test with the store's message,
// rows beyond the sample log, and the answer a query must give computed from the log itself.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "tests/store/store_test_support.h"

namespace hallmark::evidence::test::scenario {

inline constexpr std::int64_t kT = 1'700'000'000;

inline void ok(const Result<void>& r) { REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message)); }
template <class T>
T ok(Result<T> r) {
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  return std::move(*r);
}
template <class T>
Error refused(const Result<T>& r) {
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

// An entry that is not in sample_log(): index 12 of a third station.
inline LogEntry extra_entry() {
  LogEntry e = sample_entry(1);
  e.index = 12;
  e.station_id = StationId("st-c");
  e.station_sequence = 1;
  e.serial = Serial("SN-9");
  e.hardware_id = HardwareId("HW-99");
  return e;
}

inline ReleaseRow release_of(unsigned fill_byte, std::string version) {
  return ReleaseRow{digest_of(fill_byte), "widget", std::move(version), kT - 100, kT - 1000, kT + 100'000, {}, {}};
}

// EntryQuery with the fields `set` assigns (designated initializers would trip
// -Wmissing-field-initializers).
template <class Set>
EntryQuery where(Set set) {
  EntryQuery q;
  set(q);
  return q;
}

// What a query must return, computed from the sample log itself.
inline std::string expected(const EntryQuery& q) {
  std::string out;
  for (const auto& e : sample_log()) {
    if (q.serial && e.serial != *q.serial) continue;
    if (q.hardware_id && e.hardware_id != *q.hardware_id) continue;
    if (q.station_id && e.station_id != *q.station_id) continue;
    if (q.from_unix && e.event_unix < *q.from_unix) continue;
    if (q.to_unix && e.event_unix >= *q.to_unix) continue;
    if (q.firmware) {
      const auto f = q.firmware->bytes();
      const bool bundle = std::equal(f.begin(), f.end(), e.bundle_digest.begin(), e.bundle_digest.end());
      if (!bundle && std::find(e.firmware.begin(), e.firmware.end(), *q.firmware) == e.firmware.end()) continue;
    }
    out += describe(e);
  }
  return out;
}

inline std::string all_entries(EvidenceStore& store) {
  std::string out;
  ok(store.for_each_entry(0, 1000, [&](const LogEntry& e) -> Result<void> {
    out += describe(e);
    return {};
  }));
  return out;
}

}  // namespace hallmark::evidence::test::scenario

// Test support for the intake suite: a World (trust root by an init ceremony, bundles
// promoted on SoftHSM; tests/promote) plus a station enrolled on its station-1 token
// through make_enrollment_request and the enroll-station ceremony, and a state directory.
#pragma once

#include <cstdint>
#include <functional>
#include <filesystem>
#include <string>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "station-agent/station/station_state.h"
#include "tests/promote/promote_test_support.h"
#include "testkit/line/station_world.h"

namespace hallmark::intake::testing {

using promote::testing::World;

using hallmark::testing::EnrolledStation;
using hallmark::testing::install_input;

// enroll_station() (testkit/line/station_world.h): keys labelled "<prefix>station" /
// "<prefix>device-ca" generated on station-1, the request for `station_id` registered under
// w.v1_root; REQUIREs that it succeeded.
EnrolledStation enroll(const World& w, const std::string& station_id,
                       const std::string& label_prefix = "");

// install_input(w, station, station_id, with_keys = true): testkit/line/station_world.h.

// SignerWorld::promote_bundle(): a promoted bundle of combo-1 (its own promotion history, so
// any order can be made); `edit` may change the spec first (a full provisioning plan, say).
// REQUIREs that it succeeded.
std::filesystem::path promoted(const World& w, const std::string& name,
                               const std::string& version, std::uint64_t counter,
                               std::uint32_t seed,
                               const std::function<void(v1::BundleSpec&)>& edit = {});

// Writes policy.textproto allowing `skus` (testkit's write_policy); REQUIREs it succeeded.
void write_policy(const std::filesystem::path& state, const std::vector<std::string>& skus);

bool mentions(const Error& error, const std::string& text);

}  // namespace hallmark::intake::testing

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

namespace hallmark::intake::testing {

using promote::testing::World;

struct EnrolledStation {
  v1::Envelope registration;
  station::StationKeyIds keys;
};

// Generates keys labelled "<prefix>station" / "<prefix>device-ca" on station-1, makes the
// request for `station_id` and registers it under w.v1_root.
EnrolledStation enroll(const World& w, const std::string& station_id,
                       const std::string& label_prefix = "");

// Install input for `station` under w's chain at w.now (token keys when given).
station::InstallInput install_input(const World& w, const EnrolledStation& station,
                                    const std::string& station_id, bool with_keys = true);

// A promoted bundle of combo-1 (its own promotion history, so any order can be made).
// `edit` may change the spec first (a full provisioning plan, say).
std::filesystem::path promoted(const World& w, const std::string& name,
                               const std::string& version, std::uint64_t counter,
                               std::uint32_t seed,
                               const std::function<void(v1::BundleSpec&)>& edit = {});

// Writes policy.textproto allowing `skus`.
void write_policy(const std::filesystem::path& state, const std::vector<std::string>& skus);

bool mentions(const Error& error, const std::string& text);

}  // namespace hallmark::intake::testing

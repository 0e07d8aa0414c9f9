#include "tests/intake/intake_test_support.h"

#include <doctest/doctest.h>


namespace hallmark::intake::testing {

EnrolledStation enroll(const World& w, const std::string& station_id,
                       const std::string& label_prefix) {
  auto enrolled = hallmark::testing::enroll_station(w, station_id, label_prefix);
  REQUIRE_MESSAGE(enrolled, (enrolled ? "" : enrolled.error().message));
  return std::move(*enrolled);
}

std::filesystem::path promoted(const World& w, const std::string& name,
                               const std::string& version, std::uint64_t counter,
                               std::uint32_t seed,
                               const std::function<void(v1::BundleSpec&)>& edit) {
  auto path = w.promote_bundle(name, version, counter, seed, edit);
  REQUIRE_MESSAGE(path, (path ? "" : path.error().message));
  return *path;
}

void write_policy(const std::filesystem::path& state, const std::vector<std::string>& skus) {
  auto written = hallmark::testing::write_policy(state, skus);
  REQUIRE_MESSAGE(written, (written ? "" : written.error().message));
}

bool mentions(const Error& error, const std::string& text) {
  const bool found = error.message.find(text) != std::string::npos;
  if (!found) MESSAGE("error was: " << error.message);
  return found;
}

}  // namespace hallmark::intake::testing

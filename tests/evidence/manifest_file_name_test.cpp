// Manifest file names: the documented glob SERIAL.*.manifest.json names one unit's files,
// whatever other serials the factory uses (dots, underscores, slashes, control bytes).
#include <doctest/doctest.h>

#include <fnmatch.h>

#include <set>
#include <string>
#include <vector>

#include "signer/evidence/manifest_files.h"

using hallmark::evidence::manifest_file_name;

namespace {

bool glob(const std::string& pattern, const std::string& name) {
  return ::fnmatch(pattern.c_str(), name.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0;
}

}  // namespace

TEST_CASE("a unit's glob never matches another unit's manifest (a serial with a dot, an underscore or a slash)") {
  const std::vector<std::string> others{"SN-0001.5", "SN-0001.", "SN_0001", "SN/0001",
                                        "SN-0001_2e5", "SN-00010", ".SN-0001", "SN-0001\n"};
  std::uint64_t index = 1;
  CHECK(glob("SN-0001.*.manifest.json", manifest_file_name("SN-0001", index++)));
  CHECK(glob("SN-0001.*.manifest.json", manifest_file_name("SN-0001", 33)));
  for (const auto& serial : others) {
    const std::string name = manifest_file_name(serial, index++);
    CAPTURE(serial);
    CAPTURE(name);
    CHECK_FALSE(glob("SN-0001.*.manifest.json", name));
    CHECK(name.find('/') == std::string::npos);
    CHECK(name.front() != '.');
    // Its own glob finds it: the serial part is what is left of the first '.'.
    const std::string part = name.substr(0, name.find('.'));
    CHECK(glob(part + ".*.manifest.json", name));
  }
}

TEST_CASE("distinct serials never share a file-name prefix (the serial part is one to one)") {
  const std::vector<std::string> serials{"", "_", "SN_1", "SN.1", "SN/1", "SN 1", "SN_2e1",
                                         "SN-1", "sn-1", "SN\x01" "1", "\xff"};
  std::set<std::string> parts;
  for (const auto& serial : serials) {
    const std::string name = manifest_file_name(serial, 7);
    CAPTURE(name);
    CHECK(name.ends_with(".7.manifest.json"));
    parts.insert(name.substr(0, name.find('.')));
  }
  CHECK(parts.size() == serials.size());
  CHECK(manifest_file_name("SN-0001", 17) == "SN-0001.17.manifest.json");
}

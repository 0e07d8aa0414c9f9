#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "hsm-profiles/profile/profile.h"

using hallmark::ErrorCode;
using hallmark::hsm::load_profile;
using hallmark::hsm::parse_profile;
using hallmark::hsm::profile_names;
using hallmark::hsm::resolve_module_path;

TEST_CASE("every shipped profile parses and validates") {
  const auto names = profile_names();
  for (const char* expected : {"softhsm2", "opensc-piv", "ykcs11", "opensc-sc-hsm", "yubihsm2",
                               "tpm2-pkcs11", "generic", "opensc-cac"}) {
    CHECK_MESSAGE(std::find(names.begin(), names.end(), expected) != names.end(), expected);
  }
  for (const auto& name : names) {
    auto profile = load_profile(name);
    REQUIRE_MESSAGE(profile.has_value(), name, ": ", profile.error().message);
    CHECK(profile->name() == name);  // the file name and the profile's name agree
    CHECK_FALSE(profile->quirks().empty());
    CHECK_FALSE(profile->test_status().empty());
  }
}

TEST_CASE("softhsm2 profile resolves to the installed SoftHSM module") {
  auto profile = load_profile("softhsm2");
  REQUIRE(profile.has_value());
  auto path = resolve_module_path(*profile, std::nullopt);
  REQUIRE_MESSAGE(path.has_value(), path.error().message);
  CHECK(std::filesystem::exists(*path));
  CHECK(profile->supports_always_authenticate());
  CHECK_FALSE(profile->allow_imported_keys());
}

TEST_CASE("generic profile has no module: the error asks for --module") {
  auto profile = load_profile("generic");
  REQUIRE(profile.has_value());
  auto path = resolve_module_path(*profile, std::nullopt);
  REQUIRE_FALSE(path.has_value());
  CHECK(path.error().message.find("--module") != std::string::npos);
}

TEST_CASE("module override that does not exist is a token error naming the path") {
  auto profile = load_profile("softhsm2");
  REQUIRE(profile.has_value());
  auto path = resolve_module_path(*profile, std::string("/nonexistent/libnothing.so"));
  REQUIRE_FALSE(path.has_value());
  CHECK(path.error().code == ErrorCode::kToken);
  CHECK(path.error().message.find("/nonexistent/libnothing.so") != std::string::npos);
}

TEST_CASE("unknown profile name lists the known ones") {
  auto profile = load_profile("hsm-from-nowhere");
  REQUIRE_FALSE(profile.has_value());
  CHECK(profile.error().message.find("hsm-from-nowhere") != std::string::npos);
  CHECK(profile.error().message.find("softhsm2") != std::string::npos);
}

TEST_CASE("malformed profile text is refused naming the origin, the line and the bad value") {
  auto profile = parse_profile("name: \"x\"\nalgorithms: NOT_AN_ALGORITHM\n", "broken.textproto");
  REQUIRE_FALSE(profile.has_value());
  CHECK(profile.error().message.find("broken.textproto") != std::string::npos);
  CHECK(profile.error().message.find("broken.textproto:") != std::string::npos);  // file:line:col
  CHECK(profile.error().message.find("NOT_AN_ALGORITHM") != std::string::npos);
}

TEST_CASE("profile without algorithms or login semantics is refused") {
  auto no_algorithms = parse_profile("name: \"x\" module_paths: \"/m.so\" login: LOGIN_ONCE_PER_SESSION", "a");
  REQUIRE_FALSE(no_algorithms.has_value());
  CHECK(no_algorithms.error().message.find("algorithms") != std::string::npos);
  auto no_login = parse_profile("name: \"x\" module_paths: \"/m.so\" algorithms: ED25519", "b");
  REQUIRE_FALSE(no_login.has_value());
  CHECK(no_login.error().message.find("login") != std::string::npos);
  auto ok = parse_profile(
      "name: \"x\" module_paths: \"/m.so\" algorithms: ED25519 login: LOGIN_ONCE_PER_SESSION", "c");
  CHECK(ok.has_value());
}

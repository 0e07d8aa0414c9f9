// SoftHsmFixture: throwaway SoftHSM tokens for tests and benchmarks (no product links it).
//
// Makes a private directory (mkdtemp under $TMPDIR), writes a softhsm2.conf whose token
// directory lives in it, points SOFTHSM2_CONF at it, loads the SoftHSM module, initialises
// one token per requested label with kSoPin/kUserPin, and removes the directory when
// destroyed. The module is loaded once per process and keeps the configuration it read
// on C_Initialize, so create a fixture before anything else loads SoftHSM, and only one
// fixture at a time. doctest_discover_tests runs every TEST_CASE in its own process,
// which gives each test case fresh tokens. Throws std::runtime_error on setup failure
// (doctest reports it in a test; a benchmark stops with its message). Not thread-safe (it
// sets an environment variable).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "hsm-profiles/src/module.h"
#include "hsm-profiles/src/pin.h"
#include "hsm-profiles/src/session.h"

namespace hallmark::testing {

class SoftHsmFixture {
 public:
  // SoftHSM's PKCS#11 module (HALLMARK_SOFTHSM_MODULE_PATH, testkit/CMakeLists.txt: set once
  // there, compiled into softhsm_fixture.cpp, so no consumer needs a definition of its own).
  static const char* const kModulePath;
  static constexpr const char* kSoPin = "so-pin-4711";
  static constexpr const char* kUserPin = "user-pin-1234";

  explicit SoftHsmFixture(const std::vector<std::string>& token_labels = {"hallmark-test"});
  ~SoftHsmFixture();
  SoftHsmFixture(const SoftHsmFixture&) = delete;
  SoftHsmFixture& operator=(const SoftHsmFixture&) = delete;

  const std::shared_ptr<hsm::Module>& module() const { return module_; }
  const std::filesystem::path& dir() const { return dir_; }

  // Drops the fixture's reference (the module is finalised and unloaded if nobody else
  // holds it) and loads it again; the tokens stay in dir().
  void reload_module();

  // A session on the token labelled `label`; logged in as the user when `login`.
  hsm::Session open(const std::string& label, bool login = true) const;

  static hsm::Pin user_pin() { return hsm::Pin(kUserPin); }
  static hsm::Pin so_pin() { return hsm::Pin(kSoPin); }

 private:
  std::filesystem::path dir_;
  std::shared_ptr<hsm::Module> module_;
};

}  // namespace hallmark::testing

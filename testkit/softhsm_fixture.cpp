#include "testkit/softhsm_fixture.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "hsm-profiles/src/token_admin.h"
#include "hsm-profiles/src/uri.h"

namespace hallmark::testing {

const char* const SoftHsmFixture::kModulePath = HALLMARK_SOFTHSM_MODULE;

namespace {

std::filesystem::path make_temp_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      (std::filesystem::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") /
       "hallmark-softhsm-XXXXXX")
          .string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(fmt::format("mkdtemp {} failed", pattern));
  }
  return pattern;
}

}  // namespace

SoftHsmFixture::SoftHsmFixture(const std::vector<std::string>& token_labels)
    : dir_(make_temp_dir()) {
  try {
    std::filesystem::create_directory(dir_ / "tokens");
    const auto conf = dir_ / "softhsm2.conf";
    {
      std::ofstream out(conf);
      out << "directories.tokendir = " << (dir_ / "tokens").string() << "\n"
          << "objectstore.backend = file\n"
          << "log.level = ERROR\n";
      if (!out) throw std::runtime_error("cannot write " + conf.string());
    }
    // Read by SoftHSM in C_Initialize, so it must be set before the module is loaded.
    ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);

    auto module = hsm::Module::load(kModulePath);
    if (!module) throw std::runtime_error(module.error().message);
    module_ = *module;
    for (const auto& label : token_labels) {
      auto ok = hsm::init_token(*module_, label, so_pin(), user_pin());
      if (!ok) throw std::runtime_error(ok.error().message);
    }
  } catch (...) {
    module_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

SoftHsmFixture::~SoftHsmFixture() {
  module_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void SoftHsmFixture::reload_module() {
  module_.reset();
  auto module = hsm::Module::load(kModulePath);
  if (!module) throw std::runtime_error(module.error().message);
  module_ = *module;
}

hsm::Session SoftHsmFixture::open(const std::string& label, bool login) const {
  auto uri = hsm::TokenUri::parse("pkcs11:token=" + label);
  if (!uri) throw std::runtime_error(uri.error().message);
  auto session = hsm::Session::open(module_, *uri);
  if (!session) throw std::runtime_error(session.error().message);
  if (login) {
    auto ok = session->login(user_pin());
    if (!ok) throw std::runtime_error(ok.error().message);
  }
  return std::move(*session);
}

}  // namespace hallmark::testing

#include <doctest/doctest.h>

#include "hsm-profiles/src/module.h"
#include "testkit/softhsm_fixture.h"

using namespace hallmark;
using testing::SoftHsmFixture;

TEST_SUITE("softhsm") {
  TEST_CASE("a module loaded twice is the same instance whatever the path spelling") {
    SoftHsmFixture hsm;
    auto again = hsm::Module::load(SoftHsmFixture::kModulePath);
    REQUIRE(again);
    CHECK(again->get() == hsm.module().get());
    auto other_spelling = hsm::Module::load("/usr/lib/softhsm/../softhsm/libsofthsm2.so");
    REQUIRE(other_spelling);
    CHECK(other_spelling->get() == hsm.module().get());
  }

  TEST_CASE("a module path that does not exist is a clear error") {
    auto module = hsm::Module::load("/usr/lib/no-such-pkcs11-module.so");
    REQUIRE_FALSE(module);
    CHECK(module.error().code == ErrorCode::kToken);
    CHECK(module.error().message.find("/usr/lib/no-such-pkcs11-module.so") != std::string::npos);
  }

  TEST_CASE("a library that is not a PKCS#11 module is refused") {
    auto module = hsm::Module::load("/usr/lib/x86_64-linux-gnu/libz.so.1");
    REQUIRE_FALSE(module);
    CHECK(module.error().message.find("C_GetFunctionList") != std::string::npos);
  }

  TEST_CASE("a module released by every user is finalised and loads again with its tokens") {
    SoftHsmFixture hsm({"reload-test"});
    std::weak_ptr<hsm::Module> weak = hsm.module();
    {
      auto session = hsm.open("reload-test");
      CHECK(session.token_label() == "reload-test");
    }
    hsm.reload_module();
    CHECK(weak.expired());
    auto session = hsm.open("reload-test");
    auto info = session.token_info();
    REQUIRE(info);
    CHECK(info->label() == "reload-test");
  }
}

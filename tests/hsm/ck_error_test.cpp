#include <doctest/doctest.h>

#include "hsm-profiles/src/ck_error.h"

using namespace hallmark;

TEST_SUITE("unit") {
  TEST_CASE("CK_RV values are reported by name and unknown ones in hex") {
    CHECK(hsm::ck_rv_name(CKR_PIN_INCORRECT) == "CKR_PIN_INCORRECT");
    CHECK(hsm::ck_rv_name(CKR_ATTRIBUTE_SENSITIVE) == "CKR_ATTRIBUTE_SENSITIVE");
    CHECK(hsm::ck_rv_name(CKR_OK) == "CKR_OK");
    CHECK(hsm::ck_rv_name(CKR_VENDOR_DEFINED | 5) == "CKR_0x80000005");
    CHECK(hsm::ck_mechanism_name(CKM_EDDSA) == "CKM_EDDSA");
    CHECK(hsm::ck_mechanism_name(CKM_RSA_PKCS_PSS) == "CKM_RSA_PKCS_PSS");
  }

  TEST_CASE("a token error carries the CK_RV and the token exit code") {
    auto error = hsm::token_error(CKR_PIN_LOCKED, "token 'x': C_Login");
    CHECK(error.code == ErrorCode::kToken);
    CHECK(error.ck_rv == CKR_PIN_LOCKED);
    CHECK(error.message == "token 'x': C_Login: CKR_PIN_LOCKED");
    CHECK(exit_code(error.code) == kExitToken);
  }
}

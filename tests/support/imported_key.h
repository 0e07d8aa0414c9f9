// Test-only: puts a key made outside the token into it with C_CreateObject, the way an
// imported key arrives (not CKA_LOCAL; extractable when asked), to test that production
// roles refuse such keys.
#pragma once

#include <string>

#include "hsm-profiles/src/session.h"

namespace hallmark::testing {

// Imports a fresh OpenSSL P-256 key pair (CKA_ID 42 01) under `label`. Uses doctest REQUIRE.
void import_p256(hsm::Session& session, const std::string& label, bool extractable);

}  // namespace hallmark::testing

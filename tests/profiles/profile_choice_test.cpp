// choose_profile(): the profile a command names against the one the module and token
// report, and the software-token rule (hsm-profiles/profile/profile_choice.h). Pure: the
// module and token info are values, as a module would report them.
#include <doctest/doctest.h>

#include <string>

#include "hsm-profiles/profile/profile.h"
#include "hsm-profiles/profile/profile_choice.h"

namespace hallmark::hsm {
namespace {

std::vector<v1::HsmProfile> shipped() {
  auto all = load_all_profiles();
  REQUIRE_MESSAGE(all.has_value(), all.error().message);
  return *all;
}

v1::HsmProfile named(const std::string& name) {
  auto p = load_profile(name);
  REQUIRE_MESSAGE(p.has_value(), p.error().message);
  return *p;
}

// What SoftHSMv2 2.6 reports (pkcs11-tool -I; C_GetTokenInfo).
TokenIdentity softhsm(const std::string& label = "signer-hsm") {
  TokenIdentity id;
  id.module_path = "/usr/lib/softhsm/libsofthsm2.so";
  id.library_manufacturer = "SoftHSM";
  id.library_description = "Implementation of PKCS11";
  id.token.set_label(label);
  id.token.set_serial("5c2f0a9b1e");
  id.token.set_manufacturer("SoftHSM project");
  id.token.set_model("SoftHSM v2");
  return id;
}

TokenIdentity opensc_card() {
  TokenIdentity id;
  id.module_path = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";
  id.library_manufacturer = "OpenSC Project";
  id.library_description = "OpenSC smartcard framework";
  id.token.set_label("custodian alice");
  id.token.set_manufacturer("Common Access Card");
  id.token.set_model("PKCS#15 emulated");
  return id;
}

}  // namespace

TEST_CASE("a SoftHSM token is detected as softhsm2 and refused for production without the flag") {
  const auto known = shipped();
  auto refused = choose_profile(std::nullopt, known, softhsm(), false);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kPolicyRefused);
  const std::string& m = refused.error().message;
  CHECK(m.find("'signer-hsm'") != std::string::npos);        // the token label
  CHECK(m.find("softhsm2") != std::string::npos);            // the detected family
  CHECK(m.find("--allow-software-token") != std::string::npos);  // the flag
}

TEST_CASE("with --allow-software-token a SoftHSM token is used and stamped software_token") {
  const auto known = shipped();
  auto chosen = choose_profile(std::nullopt, known, softhsm(), true);
  REQUIRE_MESSAGE(chosen.has_value(), chosen.error().message);
  CHECK(chosen->profile.name() == "softhsm2");
  CHECK(chosen->software_token);
  CHECK(chosen->token.software_token());
  CHECK(chosen->token.profile() == "softhsm2");
  CHECK(chosen->token.label() == "signer-hsm");
}

TEST_CASE("a profile named for a SoftHSM token is refused as a mismatch naming both and the token") {
  const auto known = shipped();
  for (const char* wrong : {"yubihsm2", "opensc-piv", "tpm2-pkcs11", "generic"}) {
    auto r = choose_profile(named(wrong), known, softhsm("custodian-alice"), true);
    REQUIRE_FALSE_MESSAGE(r.has_value(), wrong);
    CHECK(r.error().code == ErrorCode::kUsage);
    CHECK(r.error().message.find(std::string("'") + wrong + "'") != std::string::npos);
    CHECK(r.error().message.find("softhsm2") != std::string::npos);
    CHECK(r.error().message.find("custodian-alice") != std::string::npos);
  }
}

TEST_CASE("a custom profile file cannot declare a SoftHSM token hardware") {
  // A copy of yubihsm2 that claims to detect SoftHSM and says it is no software token.
  auto forged = named("yubihsm2");
  forged.set_name("my-hsm");
  forged.set_software_token(false);
  forged.clear_detect();
  forged.add_detect()->set_token_manufacturer("SoftHSM");
  const auto known = shipped();
  auto r = choose_profile(forged, known, softhsm(), false);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kPolicyRefused);
  CHECK(r.error().message.find("--allow-software-token") != std::string::npos);
}

TEST_CASE("a token that names itself SoftHSM is software even through an unknown module") {
  // A forwarding module (the fault-injection one) or a renamed library: the token's own
  // manufacturer decides.
  auto id = softhsm();
  id.library_manufacturer = "Hallmark fault injection";
  id.library_description = "forwards to SoftHSM";
  auto r = choose_profile(named("softhsm2"), shipped(), id, false);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kPolicyRefused);
}

TEST_CASE("an OpenSC card matches several profiles: one must be named, and a named one is used") {
  const auto known = shipped();
  auto ambiguous = choose_profile(std::nullopt, known, opensc_card(), false);
  REQUIRE_FALSE(ambiguous.has_value());
  CHECK(ambiguous.error().code == ErrorCode::kUsage);
  CHECK(ambiguous.error().message.find("opensc-cac") != std::string::npos);
  CHECK(ambiguous.error().message.find("opensc-piv") != std::string::npos);
  auto chosen = choose_profile(named("opensc-cac"), known, opensc_card(), false);
  REQUIRE_MESSAGE(chosen.has_value(), chosen.error().message);
  CHECK_FALSE(chosen->software_token);
  CHECK(chosen->token.profile() == "opensc-cac");
  // softhsm2 named for an OpenSC card is a mismatch, not a way in.
  auto wrong = choose_profile(named("softhsm2"), known, opensc_card(), true);
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().code == ErrorCode::kUsage);
}

TEST_CASE("a token no profile recognises needs a named profile") {
  TokenIdentity id;
  id.module_path = "/opt/vendor/libvendor.so";
  id.library_manufacturer = "Vendor";
  id.token.set_label("partition-1");
  id.token.set_manufacturer("Vendor");
  auto none = choose_profile(std::nullopt, shipped(), id, false);
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().message.find("partition-1") != std::string::npos);
  CHECK(none.error().message.find("--profile") != std::string::npos);
  auto generic = choose_profile(named("generic"), shipped(), id, false);
  REQUIRE_MESSAGE(generic.has_value(), generic.error().message);
  CHECK(generic->profile.name() == "generic");
}

TEST_CASE("an empty detect entry matches nothing") {
  v1::HsmProfile p;
  p.add_detect();
  CHECK_FALSE(profile_matches(p, softhsm()));
}

}  // namespace hallmark::hsm

// Which HSM profile a token is used under, decided in one place: the profile a command's
// flags or a ceremony plan name, checked against the profiles the module and token info
// match (HsmProfile.detect), or the one detected when none is named; and whether the token
// is a software token, which production roles refuse unless --allow-software-token says
// this is a test or a demo.
//
// Rules (choose_profile):
//   - a named profile must be among the detected ones when any is detected (a custom copy
//     of a profile passes when its own detect entries match); a mismatch is kUsage naming
//     both profiles and the token;
//   - with no profile named, exactly one profile must match; none or several is kUsage;
//   - the token is a software token when the chosen profile or any matching profile says
//     software_token, or the token names itself as one (verifier/core/software_token.h),
//     so a custom profile file cannot declare SoftHSM hardware;
//   - a software token without allow_software_token is kPolicyRefused naming the token
//     label, the family and the flag.
// The chosen profile's name and the software flag are stamped on the TokenInfo every
// record carries. Pure; never touches a token; thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hallmark/hsm_profile.pb.h"
#include "hallmark/keys.pb.h"
#include "verifier/core/error.h"

namespace hallmark::hsm {

// What a module and one of its tokens report about themselves (padding removed).
struct TokenIdentity {
  std::string module_path;
  std::string library_manufacturer;  // CK_INFO.manufacturerID
  std::string library_description;   // CK_INFO.libraryDescription
  v1::TokenInfo token;               // CK_TOKEN_INFO label, serial, manufacturer, model
};

struct ProfileChoice {
  v1::HsmProfile profile;
  v1::TokenInfo token;  // identity.token with profile and software_token set
  bool software_token = false;
};

// True when one of `profile`'s detect entries matches `identity`.
bool profile_matches(const v1::HsmProfile& profile, const TokenIdentity& identity);

// See the file comment. `known` is every shipped profile (load_all_profiles()).
Result<ProfileChoice> choose_profile(const std::optional<v1::HsmProfile>& named,
                                     std::span<const v1::HsmProfile> known,
                                     const TokenIdentity& identity, bool allow_software_token);

// Every profile in profiles_dir(), loaded and validated.
Result<std::vector<v1::HsmProfile>> load_all_profiles();

// The modules of the software-token profiles, in profile order: where a command that was
// given --allow-software-token and neither a profile nor a module looks for its token.
std::vector<std::string> software_module_paths(std::span<const v1::HsmProfile> known);

}  // namespace hallmark::hsm

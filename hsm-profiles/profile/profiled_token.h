// Opening a token under the profile choose_profile() decides (profile_choice.h): the one
// way every command and ceremony reaches a token, so none can skip the profile check or
// the software-token rule.
//
// The module loaded is --module when given, else the named profile's, else (only with
// allow_software_token) the software profiles' modules; with none of these the token's
// family cannot be known and the command is refused before any module is loaded.
// Opens without logging in. Never reads a PIN or key material. Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hsm-profiles/profile/profile_choice.h"
#include "hsm-profiles/src/session.h"
#include "hsm-profiles/src/uri.h"

namespace hallmark::hsm {

struct ProfileRequest {
  std::string uri;                    // pkcs11: URI of the token or key
  std::string profile;                // name or .textproto path; empty: detect
  std::optional<std::string> module;  // overrides the profile's module paths
  bool allow_software_token = false;  // --allow-software-token (tests and demos)
};

struct ProfiledToken {
  ProfileChoice choice;  // profile, and the TokenInfo to record (profile, software_token)
  TokenUri uri;
  Session session;
};

Result<ProfiledToken> open_profiled_token(const ProfileRequest& request);

// The module open_profiled_token() would load for `request` (see the file comment).
Result<std::string> module_path_for(const ProfileRequest& request);

}  // namespace hallmark::hsm

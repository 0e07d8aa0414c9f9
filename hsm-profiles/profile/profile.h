// HSM profiles: what Hallmark knows about a family of tokens (module paths, algorithms,
// login semantics, quirks), as textproto data in hsm-profiles/profiles/*.textproto.
//
// A profile is data, not code: a token family without hardware here still gets a profile.
// Loading validates the profile and reports the file at fault. Never touches a token.
// Thread-safe: pure functions over values.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/hsm_profile.pb.h"
#include "verifier/core/error.h"

namespace hallmark::hsm {

// Parses and validates a profile's text; `origin` names it in errors.
Result<v1::HsmProfile> parse_profile(std::string_view textproto, std::string_view origin);

// Where a package installs the profiles, relative to the installation prefix
// (/usr/share/hallmark/profiles for the Debian packages, scripts/package_debs.sh).
inline constexpr std::string_view kInstalledProfilesRelative = "share/hallmark/profiles";
inline constexpr std::string_view kInstalledProfilesDir = "/usr/share/hallmark/profiles";

// The installed folder as this executable sees it: <prefix>/share/hallmark/profiles beside
// the <prefix>/bin it runs from (so an unpacked package finds its own profiles too).
std::filesystem::path installed_profiles_dir();

// The folder holding the shipped profiles, the first of: $HALLMARK_PROFILES_DIR when set
// (tests, or a site's own profiles); installed_profiles_dir() when it exists; in a build
// that is not a package build (HALLMARK_PACKAGE_BUILD off), the source tree's
// hsm-profiles/profiles. A package build embeds no build path.
std::filesystem::path profiles_dir();

// Loads a profile by name ("softhsm2") from profiles_dir(), or by path when `name_or_path`
// names an existing .textproto file.
Result<v1::HsmProfile> load_profile(std::string_view name_or_path);

// Names of every profile in profiles_dir(), sorted.
std::vector<std::string> profile_names();

// The module to load: `override_path` when given, else the first of the profile's
// module_paths that exists. Errors name the profile and the paths tried.
Result<std::string> resolve_module_path(const v1::HsmProfile& profile,
                                        const std::optional<std::string>& override_path);

}  // namespace hallmark::hsm

#include "hsm-profiles/profile/profile_choice.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "hsm-profiles/profile/profile.h"
#include "verifier/core/software_token.h"

namespace hallmark::hsm {
namespace {

bool prefix_ok(const std::string& want, const std::string& have) {
  return want.empty() || std::string_view(have).starts_with(want);
}

bool entry_matches(const v1::TokenMatch& m, const TokenIdentity& id) {
  if (m.library_manufacturer().empty() && m.library_description().empty() &&
      m.token_manufacturer().empty() && m.token_model().empty()) {
    return false;  // an empty entry would match every token
  }
  return prefix_ok(m.library_manufacturer(), id.library_manufacturer) &&
         prefix_ok(m.library_description(), id.library_description) &&
         prefix_ok(m.token_manufacturer(), id.token.manufacturer()) &&
         prefix_ok(m.token_model(), id.token.model());
}

std::string describe(const TokenIdentity& id) {
  return fmt::format("token '{}' (serial {}, {} {}; module {}: {} {})", id.token.label(),
                     id.token.serial(), id.token.manufacturer(), id.token.model(),
                     id.module_path, id.library_manufacturer, id.library_description);
}

}  // namespace

bool profile_matches(const v1::HsmProfile& profile, const TokenIdentity& identity) {
  return std::any_of(profile.detect().begin(), profile.detect().end(),
                     [&](const v1::TokenMatch& m) { return entry_matches(m, identity); });
}

Result<ProfileChoice> choose_profile(const std::optional<v1::HsmProfile>& named,
                                     std::span<const v1::HsmProfile> known,
                                     const TokenIdentity& identity, bool allow_software_token) {
  std::vector<const v1::HsmProfile*> detected;
  for (const auto& p : known) {
    if (profile_matches(p, identity)) detected.push_back(&p);
  }
  std::vector<std::string> detected_names;
  for (const auto* p : detected) detected_names.push_back(p->name());

  ProfileChoice choice;
  if (named) {
    const bool listed = std::find(detected_names.begin(), detected_names.end(),
                                  named->name()) != detected_names.end();
    if (!detected.empty() && !listed && !profile_matches(*named, identity)) {
      return fail(ErrorCode::kUsage,
                  fmt::format("{} reports itself as profile {}, not '{}' as named: name the "
                              "profile that matches the token (--profile or the plan's "
                              "profile), or use the token that profile is for",
                              describe(identity), fmt::join(detected_names, " or "),
                              named->name()));
    }
    choice.profile = *named;
  } else if (detected.size() == 1) {
    choice.profile = *detected.front();
  } else if (detected.empty()) {
    return fail(ErrorCode::kUsage,
                fmt::format("{} matches no HSM profile: name its profile (--profile NAME or "
                            "the plan's profile; 'generic' with --module for other tokens)",
                            describe(identity)));
  } else {
    return fail(ErrorCode::kUsage,
                fmt::format("{} matches the profiles {}: name the one it is (--profile NAME "
                            "or the plan's profile)",
                            describe(identity), fmt::join(detected_names, ", ")));
  }

  bool software = choice.profile.software_token() ||
                  verifier::names_software_token(identity.token);
  std::string family = choice.profile.name();
  for (const auto* p : detected) {
    if (p->software_token()) {
      software = true;
      family = p->name();
    }
  }
  if (software && !allow_software_token) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("token '{}' is a software token ({} family: {} {}): its keys are "
                            "ordinary files, refused for production roles. Use a smart card "
                            "or HSM; for a test or a demo only, pass {}",
                            identity.token.label(), family, identity.token.manufacturer(),
                            identity.token.model(), verifier::kAllowSoftwareTokenFlag));
  }
  choice.token = identity.token;
  choice.token.set_profile(choice.profile.name());
  choice.token.set_software_token(software);
  choice.software_token = software;
  return choice;
}

Result<std::vector<v1::HsmProfile>> load_all_profiles() {
  std::vector<v1::HsmProfile> all;
  for (const auto& name : profile_names()) {
    auto p = load_profile(name);
    if (!p) return std::unexpected(p.error());
    all.push_back(std::move(*p));
  }
  return all;
}

std::vector<std::string> software_module_paths(std::span<const v1::HsmProfile> known) {
  std::vector<std::string> paths;
  for (const auto& p : known) {
    if (!p.software_token()) continue;
    paths.insert(paths.end(), p.module_paths().begin(), p.module_paths().end());
  }
  return paths;
}

}  // namespace hallmark::hsm

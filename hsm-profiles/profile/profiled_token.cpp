#include "hsm-profiles/profile/profiled_token.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "hsm-profiles/profile/profile.h"
#include "verifier/core/software_token.h"

namespace hallmark::hsm {
namespace {

Result<std::string> module_to_load(const ProfileRequest& r,
                                   const std::optional<v1::HsmProfile>& named,
                                   std::span<const v1::HsmProfile> known) {
  if (named || r.module) {
    return resolve_module_path(named ? *named : v1::HsmProfile{}, r.module);
  }
  if (!r.allow_software_token) {
    return fail(ErrorCode::kUsage,
                fmt::format("no HSM profile named for {}: pass --profile NAME (one of {}; "
                            "in a ceremony plan, the token's profile) or --module PATH to "
                            "detect it from the token (a software token, for a test or a "
                            "demo only: {})",
                            r.uri, fmt::join(profile_names(), ", "),
                            verifier::kAllowSoftwareTokenFlag));
  }
  const auto paths = software_module_paths(known);
  std::error_code ec;
  for (const auto& p : paths) {
    if (std::filesystem::exists(p, ec)) return p;
  }
  if (paths.empty()) {
    return fail(ErrorCode::kUsage,
                fmt::format("{} given without --profile or --module, but no profile in {} is a "
                            "software token: pass --profile NAME or --module PATH",
                            verifier::kAllowSoftwareTokenFlag, profiles_dir().string()));
  }
  return fail(ErrorCode::kToken,
              fmt::format("{} given without --profile or --module, but no software-token "
                          "module is installed (tried {})",
                          verifier::kAllowSoftwareTokenFlag, fmt::join(paths, ", ")));
}

// The profile the request names, if it names one.
Result<std::optional<v1::HsmProfile>> named_profile(const ProfileRequest& request) {
  if (request.profile.empty()) return std::optional<v1::HsmProfile>();
  auto p = load_profile(request.profile);
  if (!p) return std::unexpected(p.error());
  return std::optional<v1::HsmProfile>(std::move(*p));
}

}  // namespace

Result<ProfiledToken> open_profiled_token(const ProfileRequest& request) {
  auto known = load_all_profiles();
  if (!known) return std::unexpected(known.error());
  auto named_or = named_profile(request);
  if (!named_or) return std::unexpected(named_or.error());
  const std::optional<v1::HsmProfile>& named = *named_or;
  auto uri = TokenUri::parse(request.uri);
  if (!uri) return std::unexpected(uri.error());
  auto path = module_to_load(request, named, *known);
  if (!path) return std::unexpected(path.error());
  auto module = Module::load(*path);
  if (!module) return std::unexpected(module.error());
  auto library = (*module)->library_info();
  if (!library) return std::unexpected(library.error());
  auto session = Session::open(*module, *uri);
  if (!session) return std::unexpected(session.error());
  auto info = session->token_info();
  if (!info) return std::unexpected(info.error());
  TokenIdentity identity{*path, library->manufacturer, library->description, std::move(*info)};
  auto choice = choose_profile(named, *known, identity, request.allow_software_token);
  if (!choice) return std::unexpected(choice.error());
  return ProfiledToken{std::move(*choice), std::move(*uri), std::move(*session)};
}

Result<std::string> module_path_for(const ProfileRequest& request) {
  auto known = load_all_profiles();
  if (!known) return std::unexpected(known.error());
  auto named = named_profile(request);
  if (!named) return std::unexpected(named.error());
  return module_to_load(request, *named, *known);
}

}  // namespace hallmark::hsm

#include "hsm-profiles/profile/profile.h"


#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "verifier/core/textproto.h"
#include "verifier/io/file_io.h"

namespace hallmark::hsm {
namespace {

constexpr std::size_t kMaxProfileBytes = 256 * 1024;

Result<void> validate(const v1::HsmProfile& p, std::string_view origin) {
  const std::string where(origin);
  if (p.name().empty()) {
    return fail(ErrorCode::kUsage, "profile " + where + " has no name");
  }
  if (p.algorithms().empty()) {
    return fail(ErrorCode::kUsage, "profile " + where + " lists no algorithms");
  }
  for (int a : p.algorithms()) {
    if (a == v1::KEY_ALGORITHM_UNSPECIFIED) {
      return fail(ErrorCode::kUsage, "profile " + where + " lists an unspecified algorithm");
    }
  }
  if (p.login() == v1::LOGIN_SEMANTICS_UNSPECIFIED) {
    return fail(ErrorCode::kUsage, "profile " + where + " does not say how login works");
  }
  if (p.module_paths().empty() && p.name() != "generic") {
    return fail(ErrorCode::kUsage, "profile " + where + " lists no module path");
  }
  return {};
}

}  // namespace

Result<v1::HsmProfile> parse_profile(std::string_view textproto, std::string_view origin) {
  v1::HsmProfile profile;
  if (auto ok = verifier::parse_textproto(textproto, origin, "HSM profile", profile);
      !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = validate(profile, origin); !ok) return std::unexpected(ok.error());
  return profile;
}

std::filesystem::path installed_profiles_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec || exe.empty()) return kInstalledProfilesDir;
  return exe.parent_path().parent_path() / kInstalledProfilesRelative;
}

std::filesystem::path profiles_dir() {
  if (const char* env = std::getenv("HALLMARK_PROFILES_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  auto installed = installed_profiles_dir();
  std::error_code ec;
  if (std::filesystem::is_directory(installed, ec)) return installed;
#ifdef HALLMARK_BUILD_TREE_PROFILES_DIR
  // A build that is not packaged (tests, the demo) runs from its tree: the source's folder.
  return HALLMARK_BUILD_TREE_PROFILES_DIR;
#else
  return installed;
#endif
}

std::vector<std::string> profile_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(profiles_dir(), ec)) {
    if (entry.path().extension() == ".textproto") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<v1::HsmProfile> load_profile(std::string_view name_or_path) {
  std::filesystem::path path(name_or_path);
  std::error_code ec;
  if (path.extension() != ".textproto" || !std::filesystem::exists(path, ec)) {
    if (name_or_path.find('/') != std::string_view::npos) {
      return fail(ErrorCode::kUsage, "profile file " + path.string() + " does not exist");
    }
    path = profiles_dir() / (std::string(name_or_path) + ".textproto");
    if (!std::filesystem::exists(path, ec)) {
      std::string known;
      for (const auto& n : profile_names()) known += (known.empty() ? "" : ", ") + n;
      return fail(ErrorCode::kUsage, "unknown HSM profile '" + std::string(name_or_path) +
                                         "' in " + profiles_dir().string() +
                                         " (known: " + known + ")");
    }
  }
  auto text = fileio::read_file(path, kMaxProfileBytes);
  if (!text) return std::unexpected(text.error());
  return parse_profile(as_chars(*text), path.string());
}

Result<std::string> resolve_module_path(const v1::HsmProfile& profile,
                                        const std::optional<std::string>& override_path) {
  std::error_code ec;
  if (override_path) {
    if (!std::filesystem::exists(*override_path, ec)) {
      return fail(ErrorCode::kToken, "PKCS#11 module " + *override_path + " does not exist");
    }
    return *override_path;
  }
  std::string tried;
  for (const auto& candidate : profile.module_paths()) {
    if (std::filesystem::exists(candidate, ec)) return candidate;
    tried += (tried.empty() ? "" : ", ") + candidate;
  }
  if (tried.empty()) {
    return fail(ErrorCode::kUsage, "profile '" + profile.name() +
                                       "' has no module path: pass --module PATH");
  }
  return fail(ErrorCode::kToken, "no PKCS#11 module of profile '" + profile.name() +
                                     "' is installed (tried " + tried +
                                     "): install the vendor's module or pass --module PATH");
}

}  // namespace hallmark::hsm

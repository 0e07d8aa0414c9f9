#include "ceremony/console/token_watch.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "hsm-profiles/profile/profiled_token.h"

namespace hallmark::ceremony::console {
namespace {

Result<std::shared_ptr<hsm::Module>> module_for(const std::string& uri,
                                                const std::string& profile_name,
                                                const std::string& module_override,
                                                bool allow_software_token) {
  std::optional<std::string> override_path;
  if (!module_override.empty()) override_path = module_override;
  auto path = hsm::module_path_for({.uri = uri,
                                    .profile = profile_name,
                                    .module = override_path,
                                    .allow_software_token = allow_software_token});
  if (!path) return std::unexpected(path.error());
  return hsm::Module::load(*path);
}

}  // namespace

void TokenWatch::add_module(std::shared_ptr<hsm::Module> module) {
  if (!module) return;
  const bool known = std::any_of(modules_.begin(), modules_.end(),
                                 [&](const auto& m) { return m.get() == module.get(); });
  if (!known) modules_.push_back(std::move(module));
}

Result<std::vector<PresentToken>> TokenWatch::list() const {
  std::vector<PresentToken> tokens;
  for (const auto& module : modules_) {
    auto slots = module->slots_with_token();
    if (!slots) return std::unexpected(slots.error());
    for (CK_SLOT_ID slot : *slots) {
      auto info = module->token_info(slot);
      // A card pulled out between the two calls is simply not present any more.
      if (!info) continue;
      if ((info->flags & CKF_TOKEN_INITIALIZED) == 0) continue;
      const v1::TokenInfo proto = hsm::token_info_proto(*info);
      PresentToken token{module->path(),
                         proto.label(),
                         proto.serial(),
                         proto.manufacturer(),
                         proto.model(),
                         hsm::PinState::from_flags(info->flags),
                         {}};
      for (const auto& expected : expected_) {
        if (expected.uri.matches(*info)) {
          token.role = token.role.empty() ? expected.role : token.role + ", " + expected.role;
        }
      }
      tokens.push_back(std::move(token));
    }
  }
  return tokens;
}

Result<TokenWatch> token_watch_for_plan(const LoadedPlan& loaded) {
  TokenWatch watch;
  auto add = [&](const std::string& role, const std::string& uri, const std::string& profile,
                 const std::string& module, bool allow_software) -> Result<void> {
    auto m = module_for(uri, profile, module, allow_software);
    if (!m) return std::unexpected(m.error().context(role));
    watch.add_module(std::move(*m));
    auto parsed = hsm::TokenUri::parse(uri);
    if (!parsed) return std::unexpected(parsed.error().context(role));
    watch.expect({role, std::move(*parsed)});
    return {};
  };
  for (const auto& c : loaded.plan.custodians()) {
    if (auto ok = add(fmt::format("card of {}", c.name()), c.card_uri(), c.profile(), c.module(),
                      c.allow_software_token());
        !ok) {
      return std::unexpected(ok.error());
    }
  }
  if (loaded.plan.has_signer()) {
    const auto& s = loaded.plan.signer();
    if (auto ok = add("signer HSM", s.uri(), s.profile(), s.module(), s.allow_software_token()); !ok) {
      return std::unexpected(ok.error());
    }
  }
  return watch;
}

}  // namespace hallmark::ceremony::console

#include "hsm-profiles/src/token_admin.h"

#include <array>
#include <cstring>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "hsm-profiles/src/session.h"
#include "hsm-profiles/src/uri.h"

namespace hallmark::hsm {
namespace {

CK_UTF8CHAR_PTR pin_bytes(const Pin& pin) { return const_cast<CK_UTF8CHAR_PTR>(pin.data()); }

// The first slot whose token is not initialised, and whether `label` is already taken.
struct SlotSurvey {
  std::optional<CK_SLOT_ID> free_slot;
  bool label_taken = false;
};

Result<SlotSurvey> survey(const Module& module, std::string_view label) {
  auto slots = module.slots_with_token();
  if (!slots) return std::unexpected(slots.error());
  SlotSurvey result;
  for (CK_SLOT_ID slot : *slots) {
    auto info = module.token_info(slot);
    if (!info) return std::unexpected(info.error());
    if ((info->flags & CKF_TOKEN_INITIALIZED) == 0) {
      if (!result.free_slot) result.free_slot = slot;
    } else if (padded_field(info->label, sizeof info->label) == label) {
      result.label_taken = true;
    }
  }
  return result;
}

}  // namespace

Result<void> init_token(Module& module, std::string_view label, const Pin& so_pin,
                        const Pin& user_pin) {
  std::array<CK_UTF8CHAR, 32> padded{};
  if (label.empty() || label.size() > padded.size()) {
    return fail(ErrorCode::kUsage,
                fmt::format("token label '{}' must be 1 to 32 bytes long", label));
  }
  auto before = survey(module, label);
  if (!before) return std::unexpected(before.error());
  if (before->label_taken) {
    return fail(ErrorCode::kUsage,
                fmt::format("a token labelled '{}' already exists on module {}: choose "
                            "another label",
                            label, module.path()));
  }
  if (!before->free_slot) {
    return fail(ErrorCode::kToken,
                fmt::format("module {} has no uninitialised token to initialise as '{}'",
                            module.path(), label));
  }

  padded.fill(' ');
  std::memcpy(padded.data(), label.data(), label.size());
  CK_RV rv = module.functions()->C_InitToken(*before->free_slot, pin_bytes(so_pin),
                                             so_pin.size(), padded.data());
  if (rv != CKR_OK) {
    return token_fail(rv, fmt::format("initialising token '{}' (C_InitToken)", label));
  }

  // The token may now sit behind a different slot id; find it again by label.
  TokenUri uri;
  uri.text = fmt::format("pkcs11:token={}", label);
  uri.token_label = std::string(label);

  auto session = Session::open(module.shared_from_this(), uri);
  if (!session) return std::unexpected(session.error());
  if (auto login = session->login_so(so_pin); !login) return std::unexpected(login.error());
  rv = session->functions()->C_InitPIN(session->handle(), pin_bytes(user_pin),
                                       user_pin.size());
  if (rv != CKR_OK) {
    return std::unexpected(session->error(rv, "setting the user PIN (C_InitPIN)"));
  }
  return {};
}

}  // namespace hallmark::hsm

#include "hsm-profiles/src/session.h"

#include <utility>
#include <vector>

#include <fmt/format.h>

namespace hallmark::hsm {
namespace {

bool token_gone(CK_RV rv) {
  return rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT;
}

bool session_lost(CK_RV rv) {
  return rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED;
}

bool device_fault(CK_RV rv) { return rv == CKR_DEVICE_ERROR || rv == CKR_DEVICE_MEMORY; }

// What to do after a token error, for the cases a person can act on.
std::string_view advice(CK_RV rv) {
  if (token_gone(rv)) return " (the token was removed: insert it and retry)";
  if (session_lost(rv)) {
    return " (the token closed the session: it was removed or reset; insert it and retry)";
  }
  if (device_fault(rv)) {
    return " (the token reported a hardware fault and did not finish: remove and reinsert it, "
           "then retry; replace the token if it happens again)";
  }
  return {};
}

// C_Login takes a non-const pointer; no module writes through it.
CK_UTF8CHAR_PTR pin_bytes(const Pin& pin) { return const_cast<CK_UTF8CHAR_PTR>(pin.data()); }

}  // namespace

PinState PinState::from_flags(CK_FLAGS flags) noexcept {
  PinState state;
  state.count_low = (flags & CKF_USER_PIN_COUNT_LOW) != 0;
  state.final_try = (flags & CKF_USER_PIN_FINAL_TRY) != 0;
  state.locked = (flags & CKF_USER_PIN_LOCKED) != 0;
  state.to_be_changed = (flags & CKF_USER_PIN_TO_BE_CHANGED) != 0;
  return state;
}

std::string PinState::text() const {
  std::vector<std::string_view> parts;
  if (locked) {
    parts.push_back("locked");
  } else if (final_try) {
    parts.push_back("final try: one more wrong PIN locks it");
  } else {
    // PKCS#11 reports no number of tries, only these flags.
    parts.push_back(count_low ? "a wrong PIN was entered since the last good one (count low)"
                              : "no failed attempts recorded");
  }
  if (to_be_changed) parts.push_back("must be changed");
  return fmt::format("{}", fmt::join(parts, "; "));
}

namespace {

// A wrong PIN, said with the state the token reports and the next step: PKCS#11 never gives
// the number of tries left, so the advice follows the flags (most cards lock after 3).
std::string wrong_pin_text(std::string_view who, const Result<PinState>& state) {
  if (!state) {
    return fmt::format("wrong {} (PIN state unknown). Check that this is your card and your {}; "
                       "most cards lock after 3 wrong tries: if unsure, stop and ask whoever "
                       "issued the card",
                       who, who);
  }
  if (state->locked) {
    return fmt::format("wrong {}: the card is now locked. Only whoever issued it (its security "
                       "officer, PUK or SO-PIN) can unblock it: ask them; Hallmark cannot",
                       who);
  }
  if (state->final_try) {
    return fmt::format("wrong {} ({}). Do not try again: ask whoever issued the card (the "
                       "security officer for a custodian card, the station admin for a staff "
                       "card) before one more attempt locks it",
                       who, state->text());
  }
  return fmt::format("wrong {} ({}; the token does not say how many tries are left, most cards "
                     "lock after 3). Check that this is your card and your {} before trying "
                     "again; if unsure, stop and ask whoever issued the card",
                     who, state->text(), who);
}

}  // namespace

Session::~Session() = default;
Session::Session(Session&& other) noexcept = default;
Session& Session::operator=(Session&& other) noexcept = default;

void Session::State::logout() noexcept {
  if (handle == CK_INVALID_HANDLE || !module || !login_type) return;
  if (module->drop_login(slot)) module->functions()->C_Logout(handle);
  login_type.reset();
}

Session::State::~State() {
  if (handle == CK_INVALID_HANDLE || !module) return;
  logout();
  module->functions()->C_CloseSession(handle);
}

void Session::logout() noexcept {
  if (state_) state_->logout();
}

Result<Session> Session::open(std::shared_ptr<Module> module, const TokenUri& uri) {
  if (!module) return fail(ErrorCode::kInternal, "Session::open without a module");
  auto slot = find_token_slot(*module, uri);
  if (!slot) return std::unexpected(slot.error());
  auto info = module->token_info(*slot);
  if (!info) return std::unexpected(info.error());
  std::string label = padded_field(info->label, sizeof info->label);

  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  CK_FUNCTION_LIST* f = module->functions();
  CK_RV rv = f->C_OpenSession(*slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                              &handle);
  if (rv == CKR_TOKEN_WRITE_PROTECTED) {
    rv = f->C_OpenSession(*slot, CKF_SERIAL_SESSION, nullptr, nullptr, &handle);
  }
  if (rv != CKR_OK) {
    auto error = token_error(rv, fmt::format("token '{}': C_OpenSession", label));
    error.message += advice(rv);
    return std::unexpected(std::move(error));
  }
  auto state = std::make_shared<State>();
  state->module = std::move(module);
  state->slot = *slot;
  state->handle = handle;
  state->label = std::move(label);
  return Session(std::move(state));
}

Error Session::error(CK_RV rv, std::string_view what) const {
  auto error = token_error(rv, fmt::format("token '{}': {}", state_->label, what));
  error.message += advice(rv);
  return error;
}

Result<v1::TokenInfo> Session::token_info() const {
  auto info = state_->module->token_info(state_->slot);
  if (!info) return std::unexpected(info.error());
  return token_info_proto(*info);
}

Result<PinState> Session::pin_state() const {
  auto info = state_->module->token_info(state_->slot);
  if (!info) return std::unexpected(info.error());
  return PinState::from_flags(info->flags);
}

Result<void> Session::login(const Pin& pin) { return login_as(CKU_USER, pin); }

Result<void> Session::login_so(const Pin& pin) { return login_as(CKU_SO, pin); }

Result<void> Session::login_as(CK_USER_TYPE user, const Pin& pin) {
  if (state_->login_type) return {};
  const std::string_view who = user == CKU_SO ? "security officer PIN" : "PIN";
  CK_RV rv = functions()->C_Login(state_->handle, user, pin_bytes(pin), pin.size());
  if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
    state_->module->add_login(state_->slot);
    state_->login_type = user;
    return {};
  }
  if (rv == CKR_PIN_INCORRECT) {
    return std::unexpected(this->error(rv, wrong_pin_text(who, pin_state())));
  }
  if (rv == CKR_PIN_LOCKED) {
    return std::unexpected(this->error(
        rv, fmt::format("the {} is locked: ask the security officer to unblock it", who)));
  }
  if (rv == CKR_USER_PIN_NOT_INITIALIZED) {
    return std::unexpected(
        this->error(rv, "the user PIN was never set: initialise the token first"));
  }
  if (rv == CKR_PIN_LEN_RANGE) {
    return std::unexpected(this->error(rv, fmt::format("the {} has the wrong length", who)));
  }
  if (rv == CKR_USER_ANOTHER_ALREADY_LOGGED_IN) {
    return std::unexpected(
        this->error(rv, "another user (the security officer?) is logged in to this token"));
  }
  return std::unexpected(this->error(rv, "C_Login"));
}

Result<void> Session::context_login(const Pin& pin) {
  CK_RV rv = functions()->C_Login(state_->handle, CKU_CONTEXT_SPECIFIC, pin_bytes(pin), pin.size());
  if (rv == CKR_OK) return {};
  if (rv == CKR_PIN_INCORRECT) {
    return std::unexpected(
        this->error(rv, "for the key's context login: " + wrong_pin_text("PIN", pin_state())));
  }
  if (rv == CKR_PIN_LOCKED) {
    return std::unexpected(
        this->error(rv, "the PIN is locked: ask the security officer to unblock it"));
  }
  return std::unexpected(this->error(rv, "C_Login(CKU_CONTEXT_SPECIFIC)"));
}

}  // namespace hallmark::hsm

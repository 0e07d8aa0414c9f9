// A PKCS#11 session on one token, and the user login that goes with it.
//
// Session is move-only, and its owners share one PKCS#11 session: share() gives another
// owner (a TokenSigner, an ObjectSearch keeps one), so a signer never points at a Session
// that was moved or destroyed. When the last owner goes, a noexcept destructor logs out
// (when this session logged in and no other session of this process still counts on the
// login — login is per token per process) and closes the session. Tokens are found by URI, never by slot number.
// Errors name the token and, when the token is gone, say to insert it; a wrong PIN error
// includes what the token's flags say about the tries left. Never stores a PIN; never
// reads key material. Thread-safety: one thread at a time per Session; distinct Sessions
// may be used from distinct threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <p11-kit/pkcs11.h>

#include "hallmark/keys.pb.h"
#include "hsm-profiles/src/module.h"
#include "hsm-profiles/src/pin.h"
#include "hsm-profiles/src/uri.h"
#include "verifier/core/error.h"

namespace hallmark::hsm {

// What CK_TOKEN_INFO.flags say about the user PIN. PKCS#11 never gives a number of tries.
struct PinState {
  bool count_low = false;      // CKF_USER_PIN_COUNT_LOW: a wrong PIN was entered
  bool final_try = false;      // CKF_USER_PIN_FINAL_TRY: one more wrong PIN locks it
  bool locked = false;         // CKF_USER_PIN_LOCKED
  bool to_be_changed = false;  // CKF_USER_PIN_TO_BE_CHANGED

  static PinState from_flags(CK_FLAGS flags) noexcept;
  // "tries left unknown; count low", "final try: one more wrong PIN locks it", "locked".
  std::string text() const;
};

class Session {
 public:
  // Opens a read-write serial session (read-only when the token is write-protected) on
  // the single token matching `uri`.
  static Result<Session> open(std::shared_ptr<Module> module, const TokenUri& uri);

  ~Session();
  Session(Session&& other) noexcept;
  Session& operator=(Session&& other) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Another owner of this same session (same handle, same login): the session stays open
  // while any owner exists. For what must outlive the Session it was made from.
  [[nodiscard]] Session share() const noexcept { return Session(state_); }

  CK_FUNCTION_LIST* functions() const noexcept { return state_->module->functions(); }
  // CK_INVALID_HANDLE (and slot 0) for a moved-from Session, which owns nothing.
  CK_SESSION_HANDLE handle() const noexcept {
    return state_ ? state_->handle : CK_INVALID_HANDLE;
  }
  CK_SLOT_ID slot() const noexcept { return state_ ? state_->slot : 0; }
  const std::shared_ptr<Module>& module() const noexcept { return state_->module; }
  // The token's label when the session was opened, for messages.
  const std::string& token_label() const noexcept { return state_->label; }

  Result<v1::TokenInfo> token_info() const;
  Result<PinState> pin_state() const;

  // C_Login(CKU_USER). CKR_USER_ALREADY_LOGGED_IN counts as success.
  Result<void> login(const Pin& pin);
  // C_Login(CKU_SO), for token initialisation only.
  Result<void> login_so(const Pin& pin);
  // C_Login(CKU_CONTEXT_SPECIFIC): right after C_SignInit on a CKA_ALWAYS_AUTHENTICATE key.
  Result<void> context_login(const Pin& pin);
  bool logged_in() const noexcept { return state_ && state_->login_type.has_value(); }
  // Ends this session's login (C_Logout when no other session counts on it) and keeps the
  // session open with its session objects: an SO step followed by user work on the token.
  void logout() noexcept;

  // "token 'signer-hsm': <what>: CKR_..." + what to do when the token went away, closed the
  // session or reported a hardware fault.
  Error error(CK_RV rv, std::string_view what) const;

 private:
  // The one PKCS#11 session every owner shares; closed (after its logout) by its destructor.
  struct State {
    std::shared_ptr<Module> module;
    CK_SLOT_ID slot = 0;
    CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
    std::string label;
    std::optional<CK_USER_TYPE> login_type;  // set when this session holds a login

    ~State();
    void logout() noexcept;
  };

  explicit Session(std::shared_ptr<State> state) noexcept : state_(std::move(state)) {}
  Result<void> login_as(CK_USER_TYPE user, const Pin& pin);

  std::shared_ptr<State> state_;
};

}  // namespace hallmark::hsm

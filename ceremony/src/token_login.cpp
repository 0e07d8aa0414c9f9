#include "ceremony/src/token_login.h"

#include <fmt/format.h>

#include "hsm-profiles/profile/profiled_token.h"

namespace hallmark::ceremony {

std::string describe_token(const v1::TokenInfo& info) {
  return fmt::format("token '{}' (serial {}, {} {})", info.label(), info.serial(),
                     info.manufacturer(), info.model());
}

Result<PlannedToken> open_planned_token(std::string_view uri, std::string_view profile_name,
                                        std::string_view module_override,
                                        bool allow_software_token) {
  std::optional<std::string> module_path;
  if (!module_override.empty()) module_path = std::string(module_override);
  auto opened = hsm::open_profiled_token({.uri = std::string(uri),
                                          .profile = std::string(profile_name),
                                          .module = module_path,
                                          .allow_software_token = allow_software_token});
  if (!opened) return std::unexpected(opened.error());
  return PlannedToken{std::move(opened->choice.profile), std::move(opened->uri),
                      std::move(opened->session), std::move(opened->choice.token)};
}

Result<void> login_with_retries(PlannedToken& token, PinRequest request, CeremonyUi& ui,
                                TranscriptRecorder& transcript, const std::string& actor) {
  hsm::Session& session = token.session;
  const std::string where = describe_token(token.info);
  request.token_label = token.info.label();
  request.max_attempts = kMaxPinAttempts;
  for (int attempt = 1; attempt <= kMaxPinAttempts; ++attempt) {
    auto state = session.pin_state();
    if (!state) return std::unexpected(state.error());
    if (state->locked) {
      transcript.failed("login", actor, fmt::format("{}: PIN locked", where), &token.info);
      return fail(ErrorCode::kToken,
                  fmt::format("{} of {} is locked: ask its security officer to unblock it, "
                              "then run the ceremony again",
                              where, actor));
    }
    if (state->final_try) {
      ui.warning(fmt::format(
          "FINAL TRY for {} ({}): one more wrong PIN LOCKS IT. If you are not sure of the "
          "PIN, stop now (Ctrl-C) and ask the security officer.",
          actor, where));
    }
    request.attempt = attempt;
    request.state = *state;
    auto pin = ui.ask_pin(request);
    if (!pin) {
      transcript.failed("login", actor,
                        fmt::format("{}: no PIN given: {}", where, pin.error().message),
                        &token.info);
      return std::unexpected(pin.error());
    }
    auto login = session.login(*pin);
    if (login) {
      transcript.ok("login", actor,
                    fmt::format("{}: logged in (attempt {} of {})", where, attempt,
                                kMaxPinAttempts),
                    &token.info);
      return {};
    }
    const Error& error = login.error();
    if (error.ck_rv != CKR_PIN_INCORRECT) {
      transcript.failed("login", actor, fmt::format("{}: {}", where, error.message),
                        &token.info);
      return std::unexpected(error);
    }
    auto after = session.pin_state();
    const std::string state_text = after ? after->text() : "PIN state unknown";
    transcript.failed("login", actor,
                      fmt::format("{}: wrong PIN (attempt {} of {}; PIN state now: {})", where,
                                  attempt, kMaxPinAttempts, state_text),
                      &token.info);
    if (!ui.pin_can_change(request)) {
      return std::unexpected(Error{
          ErrorCode::kToken,
          fmt::format("{}: {} (not tried again: the PIN comes from a file or a variable "
                      "and would be the same, using up another try). PIN state now: {}",
                      actor, error.message, state_text),
          error.ck_rv, {}});
    }
    ui.warning(fmt::format("Wrong PIN for {} on {} (attempt {} of {}). PIN state now: {}",
                           actor, where, attempt, kMaxPinAttempts, state_text));
  }
  return fail(ErrorCode::kToken,
              fmt::format("{} wrong PINs for {} on {}: the ceremony stops before the card "
                          "locks; find the right PIN (or ask the security officer) and run "
                          "it again",
                          kMaxPinAttempts, actor, where));
}

}  // namespace hallmark::ceremony

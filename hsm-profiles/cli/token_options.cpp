#include "hsm-profiles/cli/token_options.h"

#include <ostream>

#include "hsm-profiles/profile/profile.h"
#include "hsm-profiles/profile/profiled_token.h"
#include "verifier/core/software_token.h"

namespace hallmark::hsm {

void add_software_token_flag(CLI::App& cmd, bool& allow) {
  cmd.add_flag(std::string(verifier::kAllowSoftwareTokenFlag), allow,
               "Tests and demos only: let a software token (SoftHSM) hold this production "
               "role's key; what the command writes records it (software_token)");
}

void add_token_options(CLI::App& cmd, TokenOptions& options, const std::string& uri_flag,
                       const std::string& uri_help, TokenUse use) {
  cmd.add_option(uri_flag, options.uri, uri_help)->required();
  cmd.add_option("--profile", options.profile,
                 "HSM profile name or .textproto path (hsm-profiles/profiles); default: "
                 "detected from the module and the token");
  if (use == TokenUse::kProductionRole) {
    add_software_token_flag(cmd, options.allow_software_token);
  } else {
    options.allow_software_token = true;
  }
  cmd.add_option("--module", options.module, "PKCS#11 module path (overrides the profile)");
  cmd.add_option("--pin", options.pin,
                 "Where the PIN comes from: prompt, file:PATH, fd:N or env:NAME (never the PIN "
                 "itself)")
      ->capture_default_str();
}

Result<OpenedToken> open_token(const TokenOptions& options, bool login, std::ostream& status) {
  auto opened = open_profiled_token({.uri = options.uri,
                                     .profile = options.profile,
                                     .module = options.module,
                                     .allow_software_token = options.allow_software_token});
  if (!opened) return std::unexpected(opened.error());
  auto* session = &opened->session;
  if (login) {
    auto state = session->pin_state();
    status << "Token '" << session->token_label() << "'";
    if (state) status << " — PIN state: " << state->text();
    status << '\n';
    auto source = parse_pin_source(options.pin);
    if (!source) return std::unexpected(source.error());
    auto pin = read_pin(*source, "PIN for token '" + session->token_label() + "': ");
    if (!pin) return std::unexpected(pin.error());
    if (auto ok = session->login(*pin); !ok) return std::unexpected(ok.error());
  }
  return OpenedToken{std::move(opened->choice.profile), std::move(opened->choice.token),
                     std::move(opened->uri), std::move(opened->session)};
}

Result<v1::KeyAlgorithm> parse_algorithm_flag(const std::string& name) {
  if (name == "p256") return v1::ECDSA_P256_SHA256;
  if (name == "p384") return v1::ECDSA_P384_SHA384;
  if (name == "rsa3072") return v1::RSA_PSS_3072_SHA256;
  if (name == "ed25519") return v1::ED25519;
  return fail(ErrorCode::kUsage,
              "unknown algorithm '" + name + "': choose p256, p384, rsa3072 or ed25519");
}

PinCallback pin_callback(const TokenOptions& options, std::string prompt) {
  return [spec = options.pin, prompt = std::move(prompt)]() -> Result<Pin> {
    auto source = parse_pin_source(spec);
    if (!source) return std::unexpected(source.error());
    return read_pin(*source, prompt);
  };
}

}  // namespace hallmark::hsm

// Token options shared by every command that touches a token: the pkcs11: URI, the profile,
// an optional module override and the PIN source, and the one way to open and log in.
//
// Shows the token's PIN state before asking for a PIN, so a custodian sees how many
// mistakes remain. Never takes a PIN from argv: --pin names where the PIN comes from.
// Not thread-safe (reads the terminal).
#pragma once

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <optional>
#include <string>

#include "hallmark/hsm_profile.pb.h"
#include "hsm-profiles/src/session.h"
#include "hsm-profiles/src/token_signer.h"
#include "hsm-profiles/src/uri.h"

namespace hallmark::hsm {

struct TokenOptions {
  std::string uri;
  std::string profile;  // empty: detected from the module and token (profile_choice.h)
  std::optional<std::string> module;
  std::string pin = "prompt";
  bool allow_software_token = false;  // --allow-software-token: tests and demos only
};

// kProductionRole commands sign with a production role key: they take
// --allow-software-token and refuse a software token without it. kAdministration commands
// (token status, key generate/show) only look at or prepare a token: a software token is
// allowed and reported.
enum class TokenUse { kProductionRole, kAdministration };

// Adds `uri_flag` (e.g. "--token" or "--key"), --profile, --module, --pin and, for
// kProductionRole, --allow-software-token to `cmd`.
void add_token_options(CLI::App& cmd, TokenOptions& options, const std::string& uri_flag,
                       const std::string& uri_help,
                       TokenUse use = TokenUse::kProductionRole);

// Adds --allow-software-token (shared by every production command) bound to `allow`.
void add_software_token_flag(CLI::App& cmd, bool& allow);

struct OpenedToken {
  v1::HsmProfile profile;
  v1::TokenInfo token;  // as the token reports it, with the chosen profile and software_token
  TokenUri uri;
  Session session;
};

// Opens the token named by options.uri under the profile choose_profile() decides
// (profiled_token.h): a software token without allow_software_token is refused here. With
// `login`, prints the token and its PIN state on `status`, reads the PIN and logs in.
Result<OpenedToken> open_token(const TokenOptions& options, bool login, std::ostream& status);

// The --algorithm flag's names: p256, p384, rsa3072, ed25519.
Result<v1::KeyAlgorithm> parse_algorithm_flag(const std::string& name);

// A PIN callback for context-specific logins (CKA_ALWAYS_AUTHENTICATE keys): reads the PIN
// again from the same source for every signature.
PinCallback pin_callback(const TokenOptions& options, std::string prompt);

}  // namespace hallmark::hsm

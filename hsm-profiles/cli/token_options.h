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
  std::string profile = "softhsm2";
  std::optional<std::string> module;
  std::string pin = "prompt";
};

// Adds `uri_flag` (e.g. "--token" or "--key"), --profile, --module and --pin to `cmd`.
void add_token_options(CLI::App& cmd, TokenOptions& options, const std::string& uri_flag,
                       const std::string& uri_help);

struct OpenedToken {
  v1::HsmProfile profile;
  TokenUri uri;
  Session session;
};

// Loads the profile and module and opens the token named by options.uri. With `login`,
// prints the token and its PIN state on `status`, reads the PIN and logs in.
Result<OpenedToken> open_token(const TokenOptions& options, bool login, std::ostream& status);

// The --algorithm flag's names: p256, p384, rsa3072, ed25519.
Result<v1::KeyAlgorithm> parse_algorithm_flag(const std::string& name);

// A PIN callback for context-specific logins (CKA_ALWAYS_AUTHENTICATE keys): reads the PIN
// again from the same source for every signature.
PinCallback pin_callback(const TokenOptions& options, std::string prompt);

}  // namespace hallmark::hsm

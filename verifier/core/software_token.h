// The software-token rule, in one place: which token a record may name without saying it
// was a software token. The token side (hsm-profiles/profile/profile_choice.h) applies it
// when it opens a token, the verifier to every TokenInfo in a signed record.
//
// A software token (SoftHSM) keeps its keys in ordinary files: it is for tests, demos and
// rehearsals only, so a production command uses one only with --allow-software-token and
// stamps TokenInfo.software_token = true on what it records. A token's self-description
// can be forged by a module written to lie; this rule catches the honest mistake and a
// record edited to hide the flag, not a hostile module (docs/hsm-profiles.md).
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "hallmark/keys.pb.h"
#include "verifier/core/error.h"

namespace hallmark::verifier {

// The flag that lets a production command use a software token.
inline constexpr std::string_view kAllowSoftwareTokenFlag = "--allow-software-token";

// True when the token names itself as a known software token (manufacturer or model
// beginning "SoftHSM"), whatever the record claims.
bool names_software_token(const v1::TokenInfo& token);

// True when the record says so or the token names itself as one.
bool is_software_token(const v1::TokenInfo& token);

// Refuses (kVerificationFailed) a record whose token names itself as a software token but
// does not carry software_token = true although the tool that wrote it applied the rule
// (it set TokenInfo.profile): the flag was removed after the fact. Records written before
// the rule (no profile) pass here, and is_software_token() still calls their SoftHSM
// tokens software. `where` names the record and the entry in the message.
Result<void> check_software_token_claim(const v1::TokenInfo& token, std::string_view where);

// "software token 'demo-signer' (SoftHSM project SoftHSM v2), allowed by
// --allow-software-token" for displays and warnings.
std::string describe_software_token(const v1::TokenInfo& token);

}  // namespace hallmark::verifier

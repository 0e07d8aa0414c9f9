// Opening a token named by a plan (URI, profile, optional module) and logging in through
// the CeremonyUi with the ceremony's PIN rule: a wrong PIN is reported with the token's
// PIN state and asked again, up to kMaxPinAttempts; a locked token stops at once; the
// final try is announced loudly. Every attempt, failed ones included, goes into the
// transcript (never the PIN). Not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ceremony/src/ceremony_ui.h"
#include "ceremony/src/transcript_recorder.h"
#include "hallmark/hsm_profile.pb.h"
#include "hsm-profiles/src/session.h"
#include "hsm-profiles/src/uri.h"

namespace hallmark::ceremony {

inline constexpr int kMaxPinAttempts = 3;

struct PlannedToken {
  v1::HsmProfile profile;
  hsm::TokenUri uri;
  hsm::Session session;  // signers share it (Session::share), so a move cannot dangle
  v1::TokenInfo info;
};

// Opens (without login) the token `uri` names under the profile hsm::choose_profile()
// decides (hsm-profiles/profile/profile_choice.h): a software token is refused unless the
// plan entry says allow_software_token. `info` carries the chosen profile and
// software_token into every transcript entry that names the token.
Result<PlannedToken> open_planned_token(std::string_view uri, std::string_view profile,
                                        std::string_view module_override,
                                        bool allow_software_token);

// Logs in to `token` asking `ui` (see the file comment). `request` supplies holder, name
// and purpose; attempt, state and label are filled in here. `actor` names who in the
// transcript.
Result<void> login_with_retries(PlannedToken& token, PinRequest request, CeremonyUi& ui,
                                TranscriptRecorder& transcript, const std::string& actor);

// "card 'custodian-alice' (serial 1a2b…)" for messages.
std::string describe_token(const v1::TokenInfo& info);

}  // namespace hallmark::ceremony

// Token initialisation: C_InitToken on a free slot, then the user PIN (C_InitPIN).
//
// For SoftHSM test fixtures and the demo, and for ceremonies that start from blank
// tokens. Only a slot holding an *uninitialised* token is ever touched (SoftHSM keeps one
// free); an existing token is never re-initialised, and a label already present is
// refused so that selection by label stays unambiguous. Slots are re-enumerated after
// C_InitToken because SoftHSM gives the new token a new slot id. Never keeps the PINs.
// Thread-safety: do not run concurrently with other sessions on the same module.
#pragma once

#include <string_view>

#include "hsm-profiles/src/module.h"
#include "hsm-profiles/src/pin.h"
#include "verifier/core/error.h"

namespace hallmark::hsm {

Result<void> init_token(Module& module, std::string_view label, const Pin& so_pin,
                        const Pin& user_pin);

}  // namespace hallmark::hsm

// Probe (tests/boundaries): what a station target may include (its own folder, the token
// layer, the verifier) compiles in a station target's context.
#include "hsm-profiles/src/session.h"
#include "station-agent/station/station_line.h"
#include "verifier/core/dsse.h"

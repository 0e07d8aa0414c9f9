// Probe (tests/boundaries): the verifier's own headers compile in a verifier target's context.
#include "verifier/core/dsse.h"
#include "verifier/trust/trust.h"

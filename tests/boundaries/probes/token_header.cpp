// Probe (tests/boundaries): a token-layer header, named from a target below the token layer.
#include "hsm-profiles/src/session.h"

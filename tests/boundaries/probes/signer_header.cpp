// Probe (tests/boundaries): a signer header, named from a target that may not include it.
#include "signer/promote/promote.h"

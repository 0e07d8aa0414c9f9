// Probe (tests/boundaries): a ceremony header, named from a target that may not include it.
#include "ceremony/src/ceremony.h"

// Probe (tests/boundaries): a test fixture, named from product code.
#include "tests/support/softhsm_fixture.h"

// Probe (tests/boundaries): a test fixture, named from product code.
#include "testkit/softhsm_fixture.h"

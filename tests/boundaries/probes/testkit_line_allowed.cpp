// Probe (tests/boundaries): what a benchmark stands on — testkit's station world and the
// products it drives — compiles in a benchmark's context.
#include "station-agent/station/unit_programmer.h"
#include "testkit/line/station_world.h"
#include "testkit/softhsm_fixture.h"

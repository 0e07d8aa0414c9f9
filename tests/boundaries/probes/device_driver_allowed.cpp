// Probe (tests/boundaries): hallmark-verify reads units through the device drivers.
#include "station-agent/driver/unit_reading.h"
#include "verifier/core/dsse.h"

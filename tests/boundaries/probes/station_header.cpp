// Probe (tests/boundaries): a station header, named from a target below the station.
#include "station-agent/station/station_line.h"

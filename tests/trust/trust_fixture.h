// Moved to testkit/trust_fixture.h, shared by the tests and the benchmarks. This forward
// keeps branches in flight compiling; new code includes the new path. Remove once merged.
#pragma once

#include "testkit/trust_fixture.h"

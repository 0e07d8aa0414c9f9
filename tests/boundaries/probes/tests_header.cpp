// Probe (tests/boundaries): the tests' line fixture (doctest, REQUIREs), named from a
// benchmark or from testkit.
#include "tests/line/line_test_support.h"

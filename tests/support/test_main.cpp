// The one doctest main every test executable links (hallmark::test_main). A suite that
// needs more before its cases run (a QApplication) links hallmark::qt_test_main instead.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

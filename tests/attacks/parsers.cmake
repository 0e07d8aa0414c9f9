# What the fuzz targets (fuzz/, docs/testing.md) found in parsers that have no unit tests of
# their own, each as the smallest input that showed it. No token: label unit.
add_executable(attacks_parsers_tests parsers_test.cpp)
target_link_libraries(attacks_parsers_tests PRIVATE hallmark::test_main
  hallmark::evidence hallmark_verifier_test_support fmt::fmt doctest::doctest hallmark::warnings)
target_include_directories(attacks_parsers_tests PRIVATE ${PROJECT_SOURCE_DIR})
doctest_discover_tests(attacks_parsers_tests TEST_PREFIX "attacks/parsers/"
  PROPERTIES LABELS unit)

# Memory bombs before any signature check (DSSE JSON, station exports, promotion entries,
# device tool output): each limit at limit + 1 and at the limit. No token: label unit.
add_executable(attacks_limits_tests limits_test.cpp)
target_link_libraries(attacks_limits_tests PRIVATE hallmark::test_main
  hallmark_bundle_test_support hallmark::bundle hallmark::evidence hallmark::device_driver
  fmt::fmt doctest::doctest hallmark::warnings)
target_include_directories(attacks_limits_tests PRIVATE ${PROJECT_SOURCE_DIR})
doctest_discover_tests(attacks_limits_tests TEST_PREFIX "attacks/limits/"
  PROPERTIES LABELS unit)

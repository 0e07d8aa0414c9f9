# PIN hygiene: variables and descriptors gone after reading, device tools started clean,
# processes that read PINs not dumpable. No token: label unit.
add_executable(attacks_pin_tests pin_test.cpp)
target_link_libraries(attacks_pin_tests PRIVATE hallmark::test_main
  hallmark::hsm hallmark::device_driver doctest::doctest hallmark::warnings)
target_include_directories(attacks_pin_tests PRIVATE ${PROJECT_SOURCE_DIR})
doctest_discover_tests(attacks_pin_tests TEST_PREFIX "attacks/pin/" PROPERTIES LABELS unit)

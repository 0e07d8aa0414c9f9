# A serial, hardware id or station id swapped at a call (typed_ids_test.cpp): the real API
# functions are held to distinct id types by static_asserts (the build fails if a swap
# would compile); the run checks the ids behave as their strings. Label unit.
add_executable(attacks_typed_ids_tests typed_ids_test.cpp)
target_link_libraries(attacks_typed_ids_tests PRIVATE hallmark::test_main
  hallmark::station_line hallmark::inspect hallmark::evidence doctest::doctest fmt::fmt hallmark::warnings)
target_include_directories(attacks_typed_ids_tests PRIVATE ${PROJECT_SOURCE_DIR})
doctest_discover_tests(attacks_typed_ids_tests TEST_PREFIX "attacks/typed_ids/"
  PROPERTIES LABELS unit)

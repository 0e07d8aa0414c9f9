# A serial, hardware id or station id swapped at a call into the signer's evidence store
# (store_ids_test.cpp): the store's API is held to distinct id types by static_asserts (the
# build fails if a swap would compile); the run checks a unit's rows come back under the
# id kinds they were stored as, on a throwaway SQLite store. Label unit.
add_executable(attacks_store_ids_tests store_ids_test.cpp)
target_link_libraries(attacks_store_ids_tests PRIVATE hallmark::test_main
  hallmark_store_test_support hallmark::evidence doctest::doctest fmt::fmt hallmark::warnings)
target_include_directories(attacks_store_ids_tests PRIVATE ${PROJECT_SOURCE_DIR})
doctest_discover_tests(attacks_store_ids_tests TEST_PREFIX "attacks/store_ids/"
  PROPERTIES LABELS unit)

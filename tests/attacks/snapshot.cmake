# The station's state snapshot attacked by someone holding the state directory: edited,
# re-signed, old, of a truncated or forked journal, buckets edited or deleted, and the
# journal and snapshot rolled back together (caught at the signer): label softhsm.
add_executable(attacks_snapshot_tests snapshot_test.cpp)
target_link_libraries(attacks_snapshot_tests PRIVATE hallmark::test_main
  hallmark_evidence_test_support fmt::fmt
  hallmark::warnings)
target_include_directories(attacks_snapshot_tests PRIVATE ${PROJECT_SOURCE_DIR})
doctest_discover_tests(attacks_snapshot_tests TEST_PREFIX "attacks/snapshot/"
  PROPERTIES LABELS softhsm)

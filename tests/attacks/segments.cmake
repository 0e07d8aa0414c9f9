# Journal segments attacked by someone holding the state directory (and the archive): a
# segment edited, dropped, swapped, truncated or replayed, a fork or a gap across the
# boundary, a seal of records the signer did not acknowledge; caught at the signer
# (countersign), by hallmark-verify's export chain, or refused by the station: label softhsm.
add_executable(attacks_segments_tests segments_test.cpp)
target_link_libraries(attacks_segments_tests PRIVATE hallmark::test_main
  hallmark_evidence_test_support fmt::fmt
  hallmark::warnings)
target_include_directories(attacks_segments_tests PRIVATE ${PROJECT_SOURCE_DIR})
doctest_discover_tests(attacks_segments_tests TEST_PREFIX "attacks/segments/"
  PROPERTIES LABELS softhsm)

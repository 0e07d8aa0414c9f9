# Journal damage taken for a torn write, and the repair of a real one reaching the evidence
# (station line of tests/line and the countersign world of tests/evidence): label softhsm.
add_executable(attacks_journal_tests journal_test.cpp)
target_link_libraries(attacks_journal_tests PRIVATE hallmark::test_main
  hallmark_evidence_test_support fmt::fmt
  hallmark::warnings)
target_include_directories(attacks_journal_tests PRIVATE ${PROJECT_SOURCE_DIR})
doctest_discover_tests(attacks_journal_tests TEST_PREFIX "attacks/journal/"
  PROPERTIES LABELS softhsm)

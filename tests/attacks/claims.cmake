# Claims checked against the release, the device tool, the hardware id, the station's
# clock, a station whose registration is gone, a lost manifest (claims_test.cpp): a real
# station-1 line (SoftHSM tokens, hallmark-devsim devices) exports its journal and the
# signer countersigns it with its evidence key on SoftHSM.
add_executable(attacks_claims_tests claims_test.cpp)
target_link_libraries(attacks_claims_tests PRIVATE hallmark::test_main
  hallmark_evidence_test_support fmt::fmt
  hallmark::warnings)
doctest_discover_tests(attacks_claims_tests TEST_PREFIX "attacks/claims/"
  PROPERTIES LABELS softhsm)

# People and copied records (people_test.cpp): EvidenceWorld's station line on SoftHSM and
# hallmark-devsim devices, the attacker holding the journal and the station token.
add_executable(attack_people_tests people_test.cpp)
target_link_libraries(attack_people_tests PRIVATE hallmark::test_main
  hallmark_evidence_test_support hallmark::warnings)
doctest_discover_tests(attack_people_tests TEST_PREFIX "attacks/people/"
  PROPERTIES LABELS softhsm)

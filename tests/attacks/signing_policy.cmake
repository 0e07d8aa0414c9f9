# A front end that forgets the provenance or role check, against the libraries that sign
# (signing_policy_test.cpp): extractable and imported keys offered for production roles,
# the release key offered to countersign, a key opened for one role handed to promotion or
# to a station line, a journal export, checkpoint or seal. SoftHSM tokens (the promote and evidence worlds): label softhsm.
add_executable(attacks_signing_policy_tests signing_policy_test.cpp)
target_link_libraries(attacks_signing_policy_tests PRIVATE hallmark::test_main
  hallmark_promote_test_support hallmark_evidence_test_support hallmark::test_support
  doctest::doctest fmt::fmt hallmark::warnings)
target_include_directories(attacks_signing_policy_tests PRIVATE ${PROJECT_SOURCE_DIR})
doctest_discover_tests(attacks_signing_policy_tests TEST_PREFIX "attacks/signing_policy/"
  PROPERTIES LABELS softhsm)

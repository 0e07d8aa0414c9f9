# Attacks on the quorum backup of the signer HSM's keys (docs/threat-model.md, section 10):
# wrapping a key out with the user PIN alone, a never-extractable key, one share, a share
# file that asks for a memory bomb, an extractable key offered for a signer role. SoftHSM
# tokens: label softhsm.
add_executable(attacks_backup_tests backup_test.cpp)
target_link_libraries(attacks_backup_tests PRIVATE hallmark::test_main
  hallmark::ceremony hallmark::test_support doctest::doctest fmt::fmt hallmark::warnings)
target_include_directories(attacks_backup_tests PRIVATE ${PROJECT_SOURCE_DIR})
doctest_discover_tests(attacks_backup_tests TEST_PREFIX "attacks/backup/"
  PROPERTIES LABELS softhsm)

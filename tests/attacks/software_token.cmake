# A production role on a software token (SoftHSM) without the plan or flag saying so, a
# record edited to hide it, a profile named for a token it does not match
# (hsm-profiles/profile/profile_choice.h). SoftHSM tokens through the ceremony library.
add_executable(attacks_software_token_tests software_token_test.cpp)
target_link_libraries(attacks_software_token_tests PRIVATE hallmark::test_main
  hallmark_ceremony_test_support fmt::fmt hallmark::warnings)
doctest_discover_tests(attacks_software_token_tests TEST_PREFIX "attacks/software_token/"
  PROPERTIES LABELS "softhsm")

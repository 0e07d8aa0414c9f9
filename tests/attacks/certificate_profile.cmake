# One device-CA certificate profile (certificate_profile_test.cpp): certificates the issuer
# would not produce — a name that merely contains the station id, a CA that may certify
# CAs, an end-entity certificate, another key — are refused by the station and by auditors
# alike, since both check verifier/core/x509_profile.h, the profile the issuer uses.
add_executable(attacks_certificate_profile_tests certificate_profile_test.cpp)
target_link_libraries(attacks_certificate_profile_tests PRIVATE hallmark::test_main
  hallmark_x509_test_support hallmark::station hallmark::trust hallmark::warnings)
doctest_discover_tests(attacks_certificate_profile_tests
  TEST_PREFIX "attacks/certificate_profile/" PROPERTIES LABELS unit)

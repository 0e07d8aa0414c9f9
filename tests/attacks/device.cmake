# The wrong device (device_test.cpp): a board that is not the part of the bundle's SKU —
# another family, less flash, a board swapped mid-run, a tool that cannot say — is refused
# by a real station-1 line (SoftHSM tokens, hallmark-devsim devices) before anything is
# written, and a station-signed PASS on the wrong part is flagged by countersign.
add_executable(attacks_device_tests device_test.cpp)
target_link_libraries(attacks_device_tests PRIVATE hallmark::test_main
  hallmark_evidence_test_support fmt::fmt
  hallmark::warnings)
doctest_discover_tests(attacks_device_tests TEST_PREFIX "attacks/device/"
  PROPERTIES LABELS softhsm)

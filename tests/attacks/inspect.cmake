# Inspecting a unit against its evidence (inspect_test.cpp): a unit whose flash, eFuses,
# secure boot or identity key is not what its manifests and bundle say, a swapped unit,
# manifests of another serial or tampered, a certificate not issued by the device CA, and
# returned units at a station (RMA_RECEIVED; a never-bound or scrapped one stops the line).
add_executable(attacks_inspect_tests inspect_test.cpp)
target_link_libraries(attacks_inspect_tests PRIVATE hallmark::test_main
  hallmark_evidence_test_support hallmark::inspect
  fmt::fmt hallmark::warnings)
doctest_discover_tests(attacks_inspect_tests TEST_PREFIX "attacks/inspect/"
  PROPERTIES LABELS softhsm)

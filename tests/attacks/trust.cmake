# Attacks on the trust path (docs/threat-model.md): revocations that must reach every
# decision and survive a restart, an auditor's unpinned anchor, a bundle of another
# channel, a requester approving under another name. SoftHSM tokens, hallmark-devsim
# devices and the built binaries: labels softhsm and cli.
add_executable(attacks_trust_tests trust_test.cpp)
target_link_libraries(attacks_trust_tests PRIVATE hallmark::test_main
  hallmark_line_test_support hallmark::test_process fmt::fmt hallmark::warnings)
target_compile_definitions(attacks_trust_tests PRIVATE
  HALLMARK_VERIFY_BIN="$<TARGET_FILE:hallmark-verify>"
  HALLMARK_STATION_BIN="$<TARGET_FILE:hallmark-station>")
add_dependencies(attacks_trust_tests hallmark-verify hallmark-station)
doctest_discover_tests(attacks_trust_tests TEST_PREFIX "attacks/trust/"
  PROPERTIES LABELS "softhsm;cli")

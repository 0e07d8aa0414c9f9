# Station software released like firmware (station_software_test.cpp): station-software
# releases made from real Debian packages (dpkg-deb), approved and promoted on SoftHSM; a
# real station-1 line records the software it runs and the signer countersigns it.
add_executable(attacks_station_software_tests station_software_test.cpp)
target_link_libraries(attacks_station_software_tests PRIVATE hallmark::test_main
  hallmark_evidence_test_support hallmark::bundle
  hallmark::test_process fmt::fmt hallmark::warnings)
doctest_discover_tests(attacks_station_software_tests TEST_PREFIX "attacks/station_software/"
  PROPERTIES LABELS softhsm)

# hallmark-forge: the attacker's tool the demo uses to show a forged journal being caught
# (forge_main.cpp). Test and demo only: never installed.
add_executable(hallmark-forge forge_main.cpp)
target_link_libraries(hallmark-forge PRIVATE hallmark::station_journal hallmark::warnings)

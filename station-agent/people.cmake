# hallmark::station_people — what operators and supervisors sign with their own cards at a
# station (operator sessions, break-glass, roster enrolments) and the card that signs them.
# Statements only: the roster, the current session and the line-stop state are derived by
# replaying the journal elsewhere. Links the verifier and the token layer, never signer or
# ceremony code (DESIGN.md §1).
add_library(hallmark_station_people STATIC
  station/person_statements.cpp
  station/card_signer.cpp)
add_library(hallmark::station_people ALIAS hallmark_station_people)
target_include_directories(hallmark_station_people PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(hallmark_station_people
  PUBLIC hallmark::hsm hallmark::token_cli hallmark::verifier hallmark::proto
  PRIVATE OpenSSL::Crypto fmt::fmt hallmark::warnings)

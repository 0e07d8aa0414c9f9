# hallmark::station_people — a person's own card at the station: it signs the statements of
# hallmark::people (operator sessions, break-glass). The roster, the current session and the
# line-stop state are derived by replaying the journal elsewhere. Links the verifier and
# the token layer, never signer or ceremony code.
add_library(hallmark_station_people STATIC
  station/card_signer.cpp)
add_library(hallmark::station_people ALIAS hallmark_station_people)
hallmark_layer(hallmark_station_people station)
target_link_libraries(hallmark_station_people
  PUBLIC hallmark::hsm hallmark::token_cli hallmark::verifier hallmark::people hallmark::proto
  PRIVATE OpenSSL::Crypto fmt::fmt hallmark::warnings)

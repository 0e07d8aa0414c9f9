// hallmark-forge: an attacker's tool, for the demo and the tests only — never installed.
// It does to a station's journal what someone with write access to the station's state
// directory can do, with the product's own journal format, so that the demo can show the
// forgery being caught.
//
//   hallmark-forge copy-record JOURNAL STATION_ID SEQUENCE
//     appends the envelope of record SEQUENCE again, as a new, correctly chained record
//     (a replayed break-glass or log-in), and prints the new record's sequence.
#include <charconv>
#include <cstdint>
#include <iostream>
#include <string>
#include <string_view>

#include "station-agent/journal/journal.h"

namespace {

int usage() {
  std::cerr << "usage: hallmark-forge copy-record JOURNAL STATION_ID SEQUENCE\n";
  return 2;
}

int copy_record(const std::string& path, const std::string& station_id, std::uint64_t sequence) {
  using hallmark::station::Journal;
  auto journal = Journal::open(path, hallmark::StationId(station_id));
  if (!journal) {
    std::cerr << "hallmark-forge: " << journal.error().message << "\n";
    return 1;
  }
  auto cursor = journal->records_since(sequence - 1);
  if (!cursor) {
    std::cerr << "hallmark-forge: " << cursor.error().message << "\n";
    return 1;
  }
  auto entry = cursor->next();
  if (!entry || !entry->has_value()) {
    std::cerr << "hallmark-forge: no record " << sequence << " in " << path << "\n";
    return 1;
  }
  auto appended = journal->append((*entry)->attestation_envelope);
  if (!appended) {
    std::cerr << "hallmark-forge: " << appended.error().message << "\n";
    return 1;
  }
  std::cout << *appended << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 || std::string_view(argv[1]) != "copy-record") return usage();
  const std::string_view text(argv[4]);
  std::uint64_t sequence = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), sequence);
  if (ec != std::errc() || end != text.data() + text.size() || sequence == 0) return usage();
  return copy_record(argv[2], argv[3], sequence);
}

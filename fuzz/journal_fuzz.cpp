// A station's journal file (its state directory is in the hands of whoever holds the
// station): Journal::open(), which verifies the whole file and recognises a torn last
// write, then a cursor over every record, as `hallmark-station export` reads it. Opening
// never changes the file; every record the cursor returns must link to the one before.
#include <sys/stat.h>

#include "fuzz/fuzz_support.h"
#include "station-agent/journal/journal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  if (size == 0) return 0;  // open() would create the journal
  fuzz::MemFile file(fuzz::bytes_of(data, size));
  auto journal = station::Journal::open(file.path(), StationId("station-1"));
  struct stat st {};
  if (::fstat(file.fd(), &st) != 0 || static_cast<std::size_t>(st.st_size) != size) {
    fuzz::finding("Journal::open() changed the file");
  }
  if (!journal) return 0;
  auto cursor = journal->records_since(0);
  if (!cursor) return 0;
  std::uint64_t expected = 1;
  for (;;) {
    auto entry = cursor->next();
    if (!entry || !*entry) break;
    if ((*entry)->sequence != expected++) fuzz::finding("the cursor skipped or repeated a record");
  }
  if (expected - 1 != journal->head().sequence) {
    fuzz::finding("the cursor and open() disagree on the journal's last record");
  }
  return 0;
}

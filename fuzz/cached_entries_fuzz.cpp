// The station's own tar reader (station::locate_cached_entries, which finds entries of a
// cached bundle by walking the ustar headers itself) against libarchive, the reader that
// verified the bundle: for every regular entry libarchive reads, the station must either
// refuse or find exactly the bytes libarchive read under that name. The station's reader
// also runs on any bytes (its cache file may change after verification): it must end,
// whatever the headers claim.
#include <archive.h>
#include <archive_entry.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "station-agent/station/cached_entries.h"

namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

// name -> bytes of every regular entry, or false when libarchive refuses the archive or a
// name repeats (the bundle reader refuses both, so the station never sees them).
bool libarchive_entries(hallmark::ByteView bytes, std::map<std::string, std::string>& out) {
  std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) return false;
  archive_entry* entry = nullptr;
  for (;;) {
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) return true;
    if (r != ARCHIVE_OK) return false;
    if (archive_entry_filetype(entry) != AE_IFREG || archive_entry_hardlink(entry) != nullptr ||
        archive_entry_sparse_count(entry) > 0 || !archive_entry_size_is_set(entry)) {
      return false;
    }
    const char* name = archive_entry_pathname(entry);
    if (name == nullptr || out.contains(name)) return false;
    std::string data;
    char block[4096];
    for (;;) {
      const la_ssize_t n = archive_read_data(a.get(), block, sizeof block);
      if (n < 0) return false;
      if (n == 0) break;
      data.append(block, static_cast<std::size_t>(n));
    }
    if (data.size() != static_cast<std::size_t>(archive_entry_size(entry))) return false;
    out.emplace(name, std::move(data));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  const ByteView bytes = fuzz::bytes_of(data, size);
  fuzz::MemFile file(bytes);

  // Any bytes: the walk ends (a timeout here is a finding) and what it finds lies in the file.
  const std::set<std::string> probe{"hallmark/bundle.pb", "images/a", "x"};
  if (auto found = station::locate_cached_entries(file.path(), probe)) {
    for (const auto& [name, entry] : *found) {
      if (entry.offset > size || entry.size > size - entry.offset) {
        fuzz::finding("the station's tar reader places an entry outside the file");
      }
    }
  }

  std::map<std::string, std::string> reference;
  if (!libarchive_entries(bytes, reference) || reference.empty()) return 0;
  auto cache = station::CachedBundleFile::open(file.path());
  if (!cache) fuzz::finding("cannot open the memfd");
  // The station asks for the entries one unit needs, not all: each name alone, then all.
  std::set<std::string> names;
  for (const auto& [name, content] : reference) names.insert(name);
  std::vector<std::set<std::string>> queries{names};
  for (const auto& name : names) queries.push_back({name});
  for (const auto& query : queries) {
    auto found = station::locate_cached_entries(file.path(), query);
    if (!found) continue;
    for (const auto& name : query) {
      const auto it = found->find(name);
      if (it == found->end()) fuzz::finding("the station's tar reader returned without an entry");
      Bytes out;
      if (!cache->read(it->second, out)) {
        fuzz::finding("the station's tar reader located an entry it cannot read");
      }
      if (std::string(reinterpret_cast<const char*>(out.data()), out.size()) != reference[name]) {
        fuzz::finding("the station's tar reader and libarchive read different bytes for an entry");
      }
    }
  }
  return 0;
}

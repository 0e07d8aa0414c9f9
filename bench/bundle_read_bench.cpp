// bundle_read_bench BUNDLE: reads and checks a bundle file with hallmark::bundle_reader
// (every entry streamed and hashed) and prints one line for bundle_read_bench.sh:
//   seconds=<wall time of read_bundle> image_bytes=<bytes hashed> max_rss_kib=<peak RSS>
// Exit 1 if the bundle is refused. Not a test; see bench/bundle_read_bench.sh.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdint>

#include "verifier/bundle/bundle_reader.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s BUNDLE\n", argv[0]);
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  auto read = hallmark::bundle::read_bundle(argv[1]);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  if (!read) {
    std::fprintf(stderr, "%s\n", read.error().message.c_str());
    return 1;
  }
  std::uint64_t image_bytes = 0;
  for (const auto& entry : read->entries) {
    if (entry.kind == hallmark::bundle::EntryKind::kImage) image_bytes += entry.size;
  }
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  std::printf("seconds=%.6f image_bytes=%llu max_rss_kib=%ld\n", elapsed.count(),
              static_cast<unsigned long long>(image_bytes), usage.ru_maxrss);
  return 0;
}

// The station's own tar reader (locate_cached_entries) on cached bundle files that changed
// after they were verified: whoever holds the station's state directory can rewrite them.
// Whatever the headers claim, the walk ends, and an entry is found only where libarchive,
// the reader that verified the bundle, would read it. Found by fuzz/cached_entries_fuzz.cpp
// (docs/testing.md).
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

#include "station-agent/station/cached_entries.h"

namespace fs = std::filesystem;
namespace hs = hallmark::station;

namespace {

// One 512-byte ustar header: name, size (octal), type flag, magic and checksum filled in.
std::string header(std::string_view name, std::uint64_t size, char type,
                   std::string_view magic = std::string_view("ustar\0" "00", 8)) {
  std::string h(512, '\0');
  h.replace(0, name.size(), name);
  h.replace(100, 7, "0000444");
  char octal[13];
  std::snprintf(octal, sizeof octal, "%011llo", static_cast<unsigned long long>(size));
  h.replace(124, 11, octal);
  h.replace(136, 11, "00000000000");
  h[156] = type;
  h.replace(257, magic.size(), magic);
  h.replace(148, 8, "        ");
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  char check[8];
  std::snprintf(check, sizeof check, "%06o", sum);
  h.replace(148, 7, std::string(check, 6) + '\0');
  return h;
}

std::string padded(std::string data) {
  data.resize((data.size() + 511) / 512 * 512, '\0');
  return data;
}

// A pax extended header ('x') carrying one "%d key=value\n" record.
std::string pax(std::string_view key, std::string_view value) {
  std::string body = std::string(key) + "=" + std::string(value) + "\n";
  std::string record;
  for (std::size_t n = body.size() + 2;; ++n) {
    record = std::to_string(n) + " " + body;
    if (record.size() == n) break;
  }
  return header("PaxHeader", record.size(), 'x') + padded(record);
}

fs::path write_file(const std::string& name, const std::string& bytes) {
  const fs::path path = fs::temp_directory_path() /
                        ("hallmark-cached-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// How locate_cached_entries() ended, run in a child process given two seconds (a walk
// that never ends must fail the test, not hang it).
enum class Outcome { kFound, kRefusedNamingEntry, kRefusedOtherwise, kStillRunning };

Outcome locate_in_child(const fs::path& file, const std::string& name) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const auto found = hs::locate_cached_entries(file, {name});
    ::_exit(found ? 0 : found.error().message.find(name) != std::string::npos ? 1 : 2);
  }
  int status = 0;
  for (int i = 0; i < 200; ++i) {
    if (::waitpid(child, &status, WNOHANG) == child) {
      REQUIRE(WIFEXITED(status));
      return std::array{Outcome::kFound, Outcome::kRefusedNamingEntry,
                        Outcome::kRefusedOtherwise}[static_cast<std::size_t>(WEXITSTATUS(status))];
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, &status, 0);
  return Outcome::kStillRunning;
}

}  // namespace

TEST_CASE("a pax size that wraps the offset back to an earlier header ends the walk "
          "instead of looping forever") {
  // The pax header says the next entry holds 2^64 - 1536 bytes: offset 1536 (after that
  // entry's header) plus that, rounded to blocks, wraps to 0, this pax header again.
  const std::string archive = pax("size", "18446744073709550080") + header("x", 0, '0') +
                              std::string(1024, '\0');
  const fs::path file = write_file("wrap.tar", archive);
  const auto outcome = locate_in_child(file, "hallmark/bundle.pb");
  fs::remove(file);
  CHECK(outcome == Outcome::kRefusedNamingEntry);
}

TEST_CASE("a GNU long name is not followed: the short name in the header after it does not "
          "find that entry's bytes") {
  // libarchive names the first entry by its long name and the second by the short one; a
  // walk that skips the long-name header reads the first entry's bytes for the second.
  const std::string long_name = "promotion/" + std::string(150, 'a');
  const std::string short_name = long_name.substr(0, 100);
  const std::string_view gnu("ustar  \0", 8);
  const std::string archive =
      header("././@LongLink", long_name.size() + 1, 'L', gnu) + padded(long_name + '\0') +
      header(short_name, 2, '0', gnu) + padded("X1") + header(short_name, 2, '0', gnu) +
      padded("X2") + std::string(1024, '\0');
  const fs::path file = write_file("gnu-long.tar", archive);
  const auto outcome = locate_in_child(file, short_name);
  fs::remove(file);
  CHECK(outcome == Outcome::kRefusedNamingEntry);
}

TEST_CASE("a pax keyword that renames or resizes an entry in libarchive (GNU.sparse.name) "
          "stops the walk instead of being ignored") {
  const std::string archive = pax("GNU.sparse.name", "images/b") + header("images/a", 2, '0') +
                              padded("B1") + std::string(1024, '\0');
  const fs::path file = write_file("sparse-name.tar", archive);
  const auto outcome = locate_in_child(file, "images/a");
  fs::remove(file);
  CHECK(outcome == Outcome::kRefusedNamingEntry);
}

TEST_CASE("a header whose checksum does not match, which libarchive refuses, is not followed") {
  std::string first = header("images/a", 2, '0');
  first[0] = 'j';  // the name changes after the checksum was computed
  const std::string archive = first + padded("A1") + std::string(1024, '\0');
  const fs::path file = write_file("checksum.tar", archive);
  CHECK(locate_in_child(file, "jmages/a") == Outcome::kRefusedNamingEntry);
  fs::remove(file);
}

TEST_CASE("entries of a bundle as the writer makes them are found, a long name through its "
          "pax header") {
  const std::string long_name = "promotion/" + std::string(150, 'p');
  const std::string archive = header("hallmark/bundle.pb", 3, '0') + padded("pb!") +
                              pax("path", long_name) + header("PaxName", 2, '0') + padded("LN") +
                              std::string(1024, '\0');
  const fs::path file = write_file("good.tar", archive);
  auto found = hs::locate_cached_entries(file, {"hallmark/bundle.pb", long_name});
  REQUIRE_MESSAGE(found, (found ? "" : found.error().message));
  CHECK(found->at("hallmark/bundle.pb").offset == 512);
  CHECK(found->at(long_name).size == 2);
  auto cache = hs::CachedBundleFile::open(file);
  REQUIRE(cache);
  hallmark::Bytes out;
  REQUIRE(cache->read(found->at(long_name), out));
  CHECK(std::string(reinterpret_cast<const char*>(out.data()), out.size()) == "LN");
  fs::remove(file);
}

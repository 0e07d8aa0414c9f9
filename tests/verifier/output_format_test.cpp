// The one renderer and parser of what commands print and take: times (ISO 8601 UTC, one
// parser for every --at), digests (hex, in --json too) and document text (escaped, with
// deliberate line breaks kept). Each case is a fault an auditor met: base64 digests in
// --json, raw Unix seconds, --at refusing ISO 8601, a literal \x0a in a transcript.
#include <doctest/doctest.h>

#include <string>

#include "hallmark/evidence.pb.h"
#include "verifier/core/printable.h"
#include "verifier/core/time_format.h"
#include "verifier/tool/display_json.h"

namespace hv = hallmark::verifier;
namespace v1 = hallmark::v1;

namespace {
bool has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return true;
  MESSAGE("text was: " << text);
  return false;
}
}  // namespace

TEST_CASE("times are shown as ISO 8601 UTC, not as Unix seconds or a local format") {
  CHECK(hv::format_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(hv::format_utc(1795306400) == "2026-11-22T00:13:20Z");
}

TEST_CASE("a time flag takes ISO 8601 UTC, a UTC day or Unix seconds: all the same instant") {
  CHECK(hv::parse_utc_time("1795306400") == 1795306400);
  CHECK(hv::parse_utc_time("2026-11-22T00:13:20Z") == 1795306400);
  CHECK(hv::parse_utc_time("2026-11-22T00:13:20+00:00") == 1795306400);
  CHECK(hv::parse_utc_time("2026-11-22T00:13Z") == 1795306400 - 20);
  CHECK(hv::parse_utc_time("2026-11-22") == 1795305600);
  // Round trip: what is printed is accepted back.
  CHECK(hv::parse_utc_time(hv::format_utc(1700000000)) == 1700000000);
}

TEST_CASE("a time without its zone, another zone or an impossible date is refused, not guessed") {
  for (const char* bad : {"2026-11-21T00:13:20", "2026-11-21T00:13:20+01:00", "2026-02-30T00:00:00Z",
                          "2026-11-21T24:00:00Z", "2026-11-21T10:60:00Z", "2026-11-21 00:13:20Z",
                          "", "12x", "-5", "2026-11-22T00:13:20ZZ", "1234567890123"}) {
    INFO(bad);
    CHECK_FALSE(hv::parse_utc_time(bad).has_value());
  }
}

TEST_CASE("document text is escaped for the terminal while a multi-line detail keeps its lines") {
  CHECK(hv::printable("SN-1\x1b[2J\n") == "SN-1\\x1b[2J\\x0a");
  CHECK(hv::printable_lines("trust root v1 built:\n  TRUST ROOT version 1\n", "    ") ==
        "trust root v1 built:\n      TRUST ROOT version 1");
  CHECK(hv::printable_lines("a\x1b" "b\nc", "> ") == "a\\x1bb\n> c");
}

TEST_CASE("--json shows digests in hex like the text does, and every _unix time also in ISO 8601") {
  v1::LogCheckpoint c;
  c.set_origin("log");
  c.set_tree_size(7);
  c.set_root_hash(std::string("\x00\x01\xfe\xff", 4));
  c.set_time_unix(1795306400);
  const std::string json = hallmark::tool::to_display_json(c);
  CHECK(has(json, "\"rootHash\": \"0001feff\""));
  CHECK(has(json, "\"treeSize\": \"7\""));
  CHECK(has(json, "\"timeUnix\": \"1795306400\",\n  \"timeUtc\": \"2026-11-22T00:13:20Z\""));
  CHECK(hallmark::tool::to_display_json(c, hallmark::tool::JsonLayout::kOneLine) ==
        "{\"origin\":\"log\",\"treeSize\":\"7\",\"rootHash\":\"0001feff\",\"timeUnix\":"
        "\"1795306400\",\"timeUtc\":\"2026-11-22T00:13:20Z\"}");

  v1::LogCheckpoint back;
  REQUIRE(hallmark::tool::parse_display_json(json, back));
  CHECK(back.SerializeAsString() == c.SerializeAsString());
}

TEST_CASE("display JSON read back refuses a time companion that disagrees and a digest that is not hex") {
  v1::LogCheckpoint c;
  c.set_root_hash("\x01\x02");
  c.set_time_unix(1795306400);
  std::string json = hallmark::tool::to_display_json(c);
  std::string lying = json;
  lying.replace(lying.find("2026-11-22"), 10, "2020-01-01");
  v1::LogCheckpoint out;
  CHECK_FALSE(hallmark::tool::parse_display_json(lying, out));
  std::string base64 = json;
  base64.replace(base64.find("0102"), 4, "AQI=");
  CHECK_FALSE(hallmark::tool::parse_display_json(base64, out));
}

TEST_CASE("display JSON escapes control characters in strings and nests repeated messages") {
  v1::ProvisioningManifest m;
  m.set_serial("SN\n\"1\"\x01");
  m.add_findings()->set_kind(v1::Finding::CLOCK_UNSYNCED);
  m.add_findings()->set_detail("x");
  const std::string json = hallmark::tool::to_display_json(m, hallmark::tool::JsonLayout::kOneLine);
  CHECK(has(json, "\"serial\":\"SN\\n\\\"1\\\"\\u0001\""));
  CHECK(has(json, "\"findings\":[{\"kind\":\"CLOCK_UNSYNCED\"},{\"detail\":\"x\"}]"));
  v1::ProvisioningManifest back;
  REQUIRE(hallmark::tool::parse_display_json(json, back));
  CHECK(back.SerializeAsString() == m.SerializeAsString());
}

TEST_CASE("file names from ids are one to one: ids that a lossy rule would merge stay apart") {
  using hallmark::verifier::file_safe;
  CHECK(file_safe("SN-0001") == "SN-0001");
  CHECK(file_safe("") == "_");
  CHECK(file_safe("SN.5") == "SN_2e5");
  CHECK(file_safe("SN/5") == "SN_2f5");
  CHECK(file_safe("SN_5") == "SN_5f5");
  CHECK(file_safe("../x") == "_2e_2e_2fx");
  // "SN.5", "SN/5" and "SN_5" would all be "SN_5" under a rule that maps to '_'.
  CHECK(file_safe("SN.5") != file_safe("SN/5"));
  CHECK(file_safe("SN_5") != file_safe("SN.5"));
}

TEST_CASE("a raw digest field of the wrong length is shown as what it is, never as a digest") {
  using hallmark::verifier::digest_hex;
  const std::string raw(32, '\xab');
  std::string hex;
  for (int i = 0; i < 32; ++i) hex += "ab";
  CHECK(digest_hex(raw) == hex);
  CHECK(digest_hex(raw.substr(0, 31)) == "(31 bytes, not a SHA-256)");
  CHECK(digest_hex(raw + "x") == "(33 bytes, not a SHA-256)");
  CHECK(digest_hex("") == "(0 bytes, not a SHA-256)");
}

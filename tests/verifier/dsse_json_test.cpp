// parse_envelope_json() against protobuf's JsonStringToMessage, the parser it replaced:
// on every input both must accept or both refuse, and what they accept must serialise to
// the same bytes. The deliberate differences (duplicates, JSON extensions protobuf
// tolerates, odd "signatures" shapes, deep nesting) each have a test of their own that
// shows protobuf accepting what we refuse (dsse_json_strictness_test.cpp).
#include <doctest/doctest.h>

#include <cctype>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tests/verifier/dsse_json_reference.h"
#include "testkit/in_process_keys.h"
#include "verifier/core/dsse.h"

namespace hv = hallmark::verifier;
namespace ht = hallmark::verifier::testing;
using hallmark::as_bytes;
using ht::check_agree;
using ht::check_agree_or_stricter;
using ht::with;

namespace {

constexpr const char* kStatementB64 = "eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjEifQ==";

// Roughly a station attestation envelope: ~1 KB payload, one P-256 signature.
std::string attestation_sized_envelope() {
  std::string payload;
  for (int i = 0; i < 1000; ++i) payload += static_cast<char>((i * 37) & 0xff);
  return hv::envelope_to_json(ht::make_envelope("application/vnd.hallmark.attestation.v1+protobuf",
                                                payload, {&ht::key(ht::Alg::kP256)}));
}

}  // namespace

TEST_CASE("DSSE specification vectors parse exactly as protobuf parses them") {
  check_agree(R"({"payload": "aGVsbG8gd29ybGQ=", "payloadType": "http://example.com/HelloWorld",
      "signatures": [{"sig": "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}]})");
  const std::string sig_a =
      "2WAfaHm5jluo0w+0rk8uVkluELJYWjSmU9x7EUzx+AyteDGJ4/nqyJXfmAUVFIAoQafWm7AxBZNw5M9ixNHiCA==";
  const std::string sig_b =
      "c1+67/aT0yqEpwx8PsVY3MLHsj9D0CZ014/Fv/QlG59P+9CobUZ7xECJ/V3USG0Ob9CiE5LjReEZUzNF2l7eBw==";
  const std::string type = "application/vnd.in-toto+json";
  check_agree(R"({"payload":")" + std::string(kStatementB64) + R"(","payloadType":")" + type +
              R"(","signatures":[{"sig":")" + sig_a + R"(","keyid":"A"}]})");
  check_agree(R"({"payload":")" + std::string(kStatementB64) + R"(","payloadType":")" + type +
              R"(","signatures":[{"sig":")" + sig_a + R"("},{"sig":")" + sig_b + R"("}]})");
  check_agree(R"({"payload":"-_-_Pj8=","payloadType":")" + type +
              R"(","signatures":[{"sig":"P-_KHICeR7tI6S_YyejJTRtrXhcQyQ2LYPaL8h90KjC9qN8HU_svOQ6TuDOT1HIrsGW886DbWNWcCmX5twLrAw==","keyid":"A"}]})");
  check_agree(R"({"payload":"","payloadType":")" + type + R"(","signatures":[{"sig":")" + sig_a + R"("}]})");
  check_agree("{\"payload\":\"\",\"payloadType\":\"application/vnd.ex\xc3\xa4mple+json\","
              "\"signatures\":[{\"sig\":\"" + sig_a + "\"}]}");
  check_agree(R"({"payload":"","payloadType":"","signatures":[{"sig":")" + sig_a + R"("}]})");
}

TEST_CASE("envelopes from envelope_to_json and from the openssl script's format parse as protobuf parses them") {
  const std::vector<std::string> payloads = {"", "x", std::string("\0\xff\xfe", 3),
                                             std::string(999, '\xfb'), "{\"a\":1}"};
  for (ht::Alg alg : ht::kAllAlgs) {
    for (const auto& payload : payloads) {
      const auto env = ht::make_envelope("application/vnd.hallmark.test.v1+protobuf", payload,
                                         {&ht::key(alg), &ht::key(ht::Alg::kEd25519, 1)});
      const std::string json = hv::envelope_to_json(env);
      check_agree(json);
      const auto parsed = hv::parse_envelope_json(json);
      REQUIRE(parsed.has_value());
      CHECK(parsed->SerializeAsString() == env.SerializeAsString());
      // openssl_envelope.sh: spaces after separators, a trailing newline.
      check_agree(R"({"payloadType": ")" + env.payload_type() + R"(", "payload": ")" +
                  ht::base64(as_bytes(payload)) + R"(", "signatures": [{"keyid": ")" +
                  env.signatures(0).keyid() + R"(", "sig": ")" +
                  ht::base64(as_bytes(env.signatures(0).sig())) + "\"}]}\n");
    }
  }
  // Every length up to a few string growths, in both fields (decoding writes in place).
  for (std::size_t n = 0; n <= 100; ++n) {
    hallmark::v1::Envelope env;
    env.set_payload_type("t");
    for (std::size_t i = 0; i < n; ++i) env.mutable_payload()->push_back(static_cast<char>(0xff - i));
    env.add_signatures()->set_sig(env.payload());
    CAPTURE(n);
    check_agree(hv::envelope_to_json(env));
    const auto parsed = hv::parse_envelope_json(hv::envelope_to_json(env));
    REQUIRE(parsed.has_value());
    CHECK(parsed->SerializeAsString() == env.SerializeAsString());
  }
  // Types and key ids that the printer has to escape.
  hallmark::v1::Envelope odd;
  odd.set_payload_type(std::string("t\"\\/\b\f\n\r\t\x01\x1f\x7f \xc3\xa9 \xf0\x9f\x98\x80 ") +
                       std::string("\0end", 4));
  odd.add_signatures()->set_keyid("<k>&'\u2028");
  odd.add_signatures()->set_sig(std::string("\0", 1));
  check_agree(hv::envelope_to_json(odd));
  REQUIRE(hv::parse_envelope_json(hv::envelope_to_json(odd)).has_value());
  CHECK(hv::parse_envelope_json(hv::envelope_to_json(odd))->SerializeAsString() ==
        odd.SerializeAsString());
}

TEST_CASE("string escapes, unicode and surrogate pairs decode as protobuf decodes them") {
  for (const char* field : {
           R"("payloadType":"t\u0041\u00e9\ud83d\ude00\uDBFF\uDFFF\uffff")",
           R"("payloadType":"t\/\b\f\n\r\t\"\\")",
           R"("payloadType":"t\u0000\u001f\u007f")",
           "\"payloadType\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf\"",
           R"("payload\u0054ype":"t")",
           R"("payload_type":"\u0074")",
       }) {
    check_agree(std::string("{") + field + R"(,"signatures":[{"keyid":"\u006b\n","sig":"AA=="}]})");
  }
  check_agree(R"({"payloadType":"t","payload":"aGk\u003d","signatures":[{"sig":"\u0041\u0041=="}]})");
  check_agree(R"({"payloadType":"t","payload":"+\/8=","signatures":[{"sig":"AA=="}]})");
  check_agree(R"({"payloadType":"t","\u0073ignatures":[{"\u0073ig":"AA=="}]})");
}

TEST_CASE("lone surrogates, broken escapes and invalid UTF-8 are refused, as protobuf refuses them") {
  for (const char* type : {
           R"(t\ud83d)", R"(t\ude00)", R"(t\ud83dx)", R"(t\ud83d\u0041)", R"(t\ud800\ud800)",
           R"(t\ud800\n)", R"(t\ud800\udc0g)", R"(t\u00)", R"(t\uGGGG)", R"(t\u002)",
           "t\xff", "t\xc3", "t\xed\xa0\x80", "t\xf4\x90\x80\x80", "t\xc0\x80", "t\xe0\x80\x80",
           "t\xf8\x88\x80\x80\x80", "t\x80", "t\xe2\x82", "t\xf0\x9f\x98",
       }) {
    check_agree(R"({"payloadType":")" + std::string(type) + R"(","signatures":[{}]})");
    check_agree(with(R"("x":")" + std::string(type) + R"(","signatures":[{}])"));
    check_agree(with(R"("x)" + std::string(type) + R"(":1,"signatures":[{}])"));
    check_agree(with(R"("signatures":[{"keyid":")" + std::string(type) + R"("}])"));
  }
}

TEST_CASE("unknown fields of every JSON type are ignored, at the top and in signatures") {
  check_agree(with(R"("x":{"a":[1,2,{"b":null}],"c":true,"d":false,"e":-1.5e10,"f":"s","":0},)"
                   R"("y":[[[]],{}],"z":null,"keyid":"top","sig":"AA==",)"
                   R"("signatures":[{"y":[[[]]],"payloadType":"u","signatures":[],"sig":"AA=="}])"));
  for (const char* number : {"0", "-0", "1E+5", "1.0E-5", "0.0e0", "0e5", "-1.5e10",
                             "99999999999999999999999999", "-9223372036854775809",
                             "18446744073709551616", "1e-400", "2.4e-324", "4.9e-324",
                             "1.7976931348623157e308", "1.7976931348623158e308",
                             "0.000000000000000000000000000001e-300"}) {
    check_agree(with(std::string(R"("x":)") + number + R"(,"signatures":[{"n":)" + number + "}]"));
  }
  check_agree(with(R"("x":1)" + std::string(400, '0') + R"(,"signatures":[{}])"));
  check_agree(with(R"("x":0.)" + std::string(400, '0') + R"(1e400,"signatures":[{}])"));
  check_agree(with(R"("x":)" + std::string(60, '[') + std::string(60, ']') + R"(,"signatures":[{}])"));
}

TEST_CASE("numbers are checked as protobuf checks them: bad forms and doubles that overflow are refused") {
  for (const char* number : {"1e400", "-1e400", "1E400", "1.8e308", "1.797693134862315808e308",
                             "1.7976931348623159e308", "123456789012345678901234567890e300",
                             "01", "-01", "00", "0x10", "-", "-a", ".5", "+1", "1e", "1ee5",
                             "1x", "1e5.5", "1.5e+", "-0e", "1.5.5", "NaN", "Infinity", "tru",
                             "True", "nul", "truex", "nullx", "true1"}) {
    check_agree(with(std::string(R"("x":)") + number + R"(,"signatures":[{}])"));
  }
  check_agree(with(R"("x":1)" + std::string(310, '0') + R"(,"signatures":[{}])"));
}

TEST_CASE("null for a known field means absent, as in protobuf") {
  check_agree(with(R"("payload":null,"signatures":[{"sig":null,"keyid":null}])"));
  check_agree(R"({"payloadType":null,"signatures":[{"sig":"AA=="}]})");
  check_agree(with(R"("signatures":null)"));
  check_agree(with(R"("signatures":[])"));
  check_agree(with(R"("signatures":[{}])"));
}

TEST_CASE("known fields of the wrong JSON type are refused, as protobuf refuses them") {
  for (const char* member : {
           R"("payloadType":5)", R"("payloadType":true)", R"("payloadType":["t"])",
           R"("payloadType":{})", R"("payload":5)", R"("payload":[])", R"("payload":{})",
           R"("payload":false)", R"("signatures":"x")", R"("signatures":[1])",
           R"("signatures":[true])", R"("signatures":[false])", R"("signatures":[{"sig":{}}])",
           R"("signatures":[{"sig":true}])", R"("signatures":[{"sig":[]}])",
           R"("signatures":[{"keyid":5}])", R"("signatures":[{"keyid":["a"]}])",
           R"("signatures":[{"":1}])", R"("":1,"signatures":[{}])",
       }) {
    check_agree(R"({"payloadType":"t",)" + std::string(member) + R"(,"signatures":[{}]})");
  }
}

TEST_CASE("standard and URL-safe base64, with or without padding, decode as protobuf decodes them") {
  for (const char* b64 : {"", "AA==", "AA", "AAA=", "AAA", "AAE=", "AAE", "AAAA", "-_-_",
                          "+/+/", "-A==", "_w", "_w==", "/w", "aGk", "aGk=", kStatementB64}) {
    check_agree(with(R"("payload":")" + std::string(b64) + R"(","signatures":[{"sig":")" + b64 + "\"}]"));
  }
}

TEST_CASE("base64 that protobuf refuses is refused: mixed alphabets, wrong padding, whitespace, stray bits") {
  for (const char* b64 : {"aGk==", "AA=", "AAA==", "AAAA=", "AAAA==", "AAAA===", "AAAA====",
                          "A===", "=", "====", "A", "AAAAA", "AA=A", "AA==AA==", "=AAA", "A=AA",
                          "AAAA=AAA", "AA==AAAA", "aG k=", " AA==", "AA== ", "AA==\\n", "aGk.",
                          "AA..", "-/", "+_", "AB==", "AB", "AAB=", "/x", "_x", "_x==", "/x==",
                          "%%%", "AA\\u0000", "\\u00e9AAA"}) {
    check_agree(with(R"("payload":")" + std::string(b64) + R"(","signatures":[{}])"));
    check_agree(with(R"("signatures":[{"sig":")" + std::string(b64) + "\"}]"));
  }
}

TEST_CASE("whitespace wherever JSON allows it") {
  check_agree(" \r\n\t{ \"payloadType\" \n:\t\"t\" ,\r\n \"signatures\" : [ { \"sig\" : \"AA==\" ,"
              " \"keyid\" : \"k\" } , { } ] , \"payload\" : \"\" } \n\t\r ");
  check_agree("{\"payloadType\":\"t\",\"signatures\":[{}]}\n\n");
}

TEST_CASE("non-object top-level values, trailing data and structural damage are refused") {
  for (const char* json : {"[]", "\"x\"", "1", "null", "true", "{}", "{", "}", "not json",
                           R"({"payloadType":"t","signatures":[{}]} x)",
                           R"({"payloadType":"t","signatures":[{}]}})",
                           R"({"payloadType":"t","signatures":[{}]}{})",
                           "\xef\xbb\xbf{\"payloadType\":\"t\",\"signatures\":[{}]}",
                           R"({,"payloadType":"t","signatures":[{}]})",
                           R"({"payloadType":"t",,"signatures":[{}]})",
                           R"({"payloadType":"t" "signatures":[{}]})",
                           R"({"payloadType":"t","x":[true false],"signatures":[{}]})",
                           R"({"payloadType":"t","x":{"a"},"signatures":[{}]})",
                           R"({"payloadType":"t","x":{1:1},"signatures":[{}]})",
                           R"({"payloadType":"t","x":[,1],"signatures":[{}]})",
                           R"({"payloadType":"t","x":[1,,2],"signatures":[{}]})",
                           R"({"payloadType":"t","signatures":[{}])",
                           R"({"payloadType":"t","signatures":[{})",
                           R"({"payloadType":"t","signatures":[{}]})"}) {
    check_agree(json);
  }
  check_agree(std::string_view("{\"payloadType\":\"t\",\"signatures\":[{}]}\0", 39));
}

TEST_CASE("errors say what is wrong and at which byte") {
  auto r = hv::parse_envelope_json(R"({"payloadType":"t","signatures":[{"sig":"A"}]})");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message == "envelope is not valid DSSE JSON: sig is not valid base64 at byte 40");
  auto trailing = hv::parse_envelope_json(R"({"payloadType":"t","signatures":[{}]} x)");
  REQUIRE_FALSE(trailing.has_value());
  CHECK(trailing.error().message ==
        "envelope is not valid DSSE JSON: unexpected data after the envelope object at byte 38");
}

TEST_CASE("a real envelope truncated at every offset is refused by both parsers") {
  const std::string json = attestation_sized_envelope();
  REQUIRE(json.size() > 1400);
  check_agree(json);
  for (std::size_t cut = 0; cut < json.size(); ++cut) check_agree(std::string_view(json).substr(0, cut));
}

TEST_CASE("random byte changes, insertions and deletions: we agree with protobuf or are stricter") {
  std::mt19937 rng(20240611);  // fixed: failures must reproduce
  const std::string small =
      R"({"payloadType":"t\u00e9\ud83d\ude00","payload":"aGk=","x":{"a":[1,-2.5e3,true,null,"s"]},)"
      R"("signatures":[{"keyid":"k\n","sig":"-_8="},{"sig":"+/8=","y":[]}]})";
  // Bytes that change JSON structure are tried more often than random ones.
  const std::string interesting = "\"{}[],:\\ '0123456789eE.-+/_=ntfu\t\f\v\r\n";
  for (const std::string& base : {attestation_sized_envelope(), small}) {
    for (int i = 0; i < 2000; ++i) {
      std::string m = base;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits; ++e) {
        const std::size_t pos = rng() % (m.size() + 1);
        const char byte = (rng() % 2 == 0) ? interesting[rng() % interesting.size()]
                                           : static_cast<char>(rng() & 0xff);
        switch (rng() % 4) {
          case 0:
            if (pos < m.size()) m[pos] = byte;
            break;
          case 1:
            if (pos < m.size()) m[pos] = static_cast<char>(m[pos] ^ (1 << (rng() % 8)));
            break;
          case 2: m.insert(pos, 1, byte); break;
          default:
            if (pos < m.size()) m.erase(pos, 1);
        }
      }
      check_agree_or_stricter(m);
    }
  }
}

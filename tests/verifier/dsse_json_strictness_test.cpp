// parse_envelope_json()'s deliberate differences from protobuf's JsonStringToMessage, the
// parser it replaced (dsse_json_test.cpp holds where the two agree): a signed document has
// one reading only, so where protobuf lets the last duplicate win, tolerates JSON
// extensions, odd "signatures" shapes or deep nesting, we refuse, and each test shows
// protobuf accepting what we refuse.
#include <doctest/doctest.h>

#include <string>

#include "tests/verifier/dsse_json_reference.h"

namespace ht = hallmark::verifier::testing;
using ht::check_agree;
using ht::check_refused_unlike_protobuf;
using ht::with;

// ---- Deliberate differences: protobuf accepts, we refuse. ----

TEST_CASE("payloadType given twice is refused, where protobuf lets the last one win") {
  check_refused_unlike_protobuf(R"({"payloadType":"t","payloadType":"u","signatures":[{}]})",
                                "payloadType given twice");
  // The JSON name and the proto name are the same field.
  check_refused_unlike_protobuf(R"({"payloadType":"t","payload_type":"u","signatures":[{}]})",
                                "payloadType given twice");
  check_refused_unlike_protobuf(R"({"payloadType":"t","payload\u0054ype":"u","signatures":[{}]})",
                                "payloadType given twice");
  // A null second copy still makes two.
  check_refused_unlike_protobuf(R"({"payloadType":"t","signatures":[{}],"payloadType":null})",
                                "payloadType given twice");
}

TEST_CASE("payload given twice is refused, where protobuf lets the last one win") {
  check_refused_unlike_protobuf(R"({"payloadType":"t","payload":"AA==","payload":"AQ==","signatures":[{}]})",
                                "payload given twice");
}

TEST_CASE("signatures given twice is refused, where protobuf joins the lists") {
  check_refused_unlike_protobuf(
      R"({"payloadType":"t","signatures":[{"sig":"AA=="}],"signatures":[{"sig":"AQ=="}]})",
      "signatures given twice");
  check_refused_unlike_protobuf(R"({"payloadType":"t","signatures":[{}],"signatures":null})",
                                "signatures given twice");
}

TEST_CASE("keyid or sig given twice in one signature is refused, where protobuf lets the last one win") {
  check_refused_unlike_protobuf(R"({"payloadType":"t","signatures":[{"keyid":"a","keyid":"b"}]})",
                                "keyid given twice");
  check_refused_unlike_protobuf(R"({"payloadType":"t","signatures":[{"sig":"AA==","sig":"AQ=="}]})",
                                "sig given twice");
}

TEST_CASE("an unknown member given twice is refused at every depth, where protobuf ignores both") {
  check_refused_unlike_protobuf(R"({"payloadType":"t","later":1,"later":2,"signatures":[{}]})",
                                "a member name given twice");
  check_refused_unlike_protobuf(R"({"payloadType":"t","signatures":[{"later":1,"later":2}]})",
                                "a member name given twice");
  check_refused_unlike_protobuf(
      R"({"payloadType":"t","later":{"a":[{"b":1,"b":2}]},"signatures":[{}]})",
      "a member name given twice");
  // Distinct unknown members, as a newer writer adds them, still read.
  check_agree(R"({"payloadType":"t","later":{"a":1,"b":2},"also":3,"signatures":[{}]})");
}

TEST_CASE("JSON extensions that protobuf tolerates are refused") {
  check_refused_unlike_protobuf(R"({'payloadType':'t','signatures':[{}]})", "quoted field name");
  check_refused_unlike_protobuf(R"({"payloadType":"t","x":'s',"signatures":[{}]})", "expected a value");
  check_refused_unlike_protobuf(R"({payloadType:"t",signatures:[{}]})", "quoted field name");
  check_refused_unlike_protobuf(R"({"payloadType":"t","x":{a:1},"signatures":[{}]})", "quoted field name");
  check_refused_unlike_protobuf(R"({"payloadType":"t","signatures":[{}],})", "quoted field name");
  check_refused_unlike_protobuf(R"({"payloadType":"t","signatures":[{},]})", "a signature is not an object");
  check_refused_unlike_protobuf(R"({"payloadType":"t","x":[1,],"signatures":[{}]})", "expected a value");
  check_refused_unlike_protobuf(R"({"payloadType":"t","x":{"a":1,},"signatures":[{}]})", "quoted field name");
  check_refused_unlike_protobuf(R"({"payloadType":"t\x","signatures":[{}]})", "invalid escape");
  check_refused_unlike_protobuf(R"({"payloadType":"t\'","signatures":[{}]})", "invalid escape");
  check_refused_unlike_protobuf(R"({"payloadType":"t\U0041","signatures":[{}]})", "invalid escape");
  check_refused_unlike_protobuf("{\"payloadType\":\"t\n\",\"signatures\":[{}]}", "control character");
  check_refused_unlike_protobuf("{\"payloadType\":\"t\x01\",\"signatures\":[{}]}", "control character");
  for (const char* number : {"1.", "0.", "-0.", "1.e5", "-.5"}) {
    check_refused_unlike_protobuf(with(std::string(R"("x":)") + number + R"(,"signatures":[{}])"),
                                  "number");
  }
  check_refused_unlike_protobuf("{\"payloadType\":\"t\"\f,\"signatures\":[{}]}", "expected ','");
  check_refused_unlike_protobuf("{\"payloadType\":\"t\"\v,\"signatures\":[{}]}", "expected ','");
}

TEST_CASE("signatures must be an array of objects: a lone object, null and nested arrays are refused") {
  // Protobuf reads a lone object as a one-element list, skips null elements and flattens
  // nested arrays; a signed document should not have several spellings.
  check_refused_unlike_protobuf(R"({"payloadType":"t","signatures":{"sig":"AA=="}})",
                                "signatures is not an array");
  check_refused_unlike_protobuf(R"({"payloadType":"t","signatures":[{},null]})",
                                "a signature is not an object");
  check_refused_unlike_protobuf(R"({"payloadType":"t","signatures":[[{"sig":"AA=="}]]})",
                                "a signature is not an object");
}

TEST_CASE("unknown values nested deeper than 64 levels are refused, where protobuf allows about 100") {
  // The envelope object is level 1.
  check_agree(with(R"("x":)" + std::string(63, '[') + std::string(63, ']') + R"(,"signatures":[{}])"));
  check_refused_unlike_protobuf(
      with(R"("x":)" + std::string(64, '[') + std::string(64, ']') + R"(,"signatures":[{}])"),
      "nested too deeply");
  std::string objects;
  for (int i = 0; i < 80; ++i) objects += R"({"a":)";
  objects += "1" + std::string(80, '}');
  check_refused_unlike_protobuf(with(R"("x":)" + objects + R"(,"signatures":[{}])"),
                                "nested too deeply");
  // Inside a signature (level 3) the same limit counts from the top.
  check_refused_unlike_protobuf(
      with(R"("signatures":[{"x":)" + std::string(62, '[') + std::string(62, ']') + "}]"),
      "nested too deeply");
}

TEST_CASE("an empty field name in a signature is refused, as protobuf refuses it at the top level") {
  // Protobuf refuses "" as a field name of the envelope, but inside a signature accepts it
  // with an object, array or null value (and then ignores the value).
  check_agree(R"({"payloadType":"t","":{},"signatures":[{}]})");
  check_agree(R"({"payloadType":"t","signatures":[{"":"x"}]})");
  for (const char* value : {"[]", "{}", "null", R"({"sig":"AA=="})"}) {
    check_refused_unlike_protobuf(
        R"({"payloadType":"t","signatures":[{"":)" + std::string(value) + "}]}", "empty field name");
  }
}

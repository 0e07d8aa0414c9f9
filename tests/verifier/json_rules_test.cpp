// The product's one JSON strictness (verifier/core/json_rules.h), checked on protobuf JSON
// documents: a member given twice is refused at every depth and under either spelling of a
// field, an unknown member is ignored, and what is not RFC 8259 JSON is refused. The DSSE
// envelope reader's share is in dsse_json_test.cpp; the manifest file's in
// tests/log/manifest_file_test.cpp.
#include "verifier/core/json_rules.h"

#include <doctest/doctest.h>

#include <string>

#include "hallmark/evidence.pb.h"
#include "hallmark/trust.pb.h"

namespace hv = hallmark::verifier;
namespace v1 = hallmark::v1;

namespace {

std::string refusal(const std::string& json) {
  v1::InclusionProof proof;
  auto ok = hv::parse_json_message(json, proof, "proof.json");
  REQUIRE_FALSE(ok.has_value());
  CHECK(ok.error().code == hallmark::ErrorCode::kUsage);
  CHECK(ok.error().message.find("proof.json") != std::string::npos);
  return ok.error().message;
}

}  // namespace

TEST_CASE("a field given twice is refused, where protobuf's JSON reader lets the last one win") {
  const std::string json = R"({"leafIndex":"1","leafIndex":"7","treeSize":"9"})";
  CHECK(refusal(json).find("\"leafIndex\" given twice") != std::string::npos);
}

TEST_CASE("one field under its JSON name and its proto name is a duplicate") {
  CHECK(refusal(R"({"leafIndex":"1","leaf_index":"7"})").find("given twice") != std::string::npos);
  // An escaped spelling is the same name.
  CHECK(refusal(R"({"treeSize":"1","tree\u0053ize":"2"})").find("given twice") !=
        std::string::npos);
}

TEST_CASE("an unknown member given twice is refused, at the top and nested inside unknown values") {
  CHECK(refusal(R"({"leafIndex":"1","later":1,"later":2})").find("\"later\" given twice") !=
        std::string::npos);
  CHECK(refusal(R"({"leafIndex":"1","later":{"a":[{"b":1,"b":2}]}})")
            .find("\"b\" given twice") != std::string::npos);
}

TEST_CASE("a duplicate inside a nested message field is refused") {
  v1::TrustRoot root;
  auto ok = hv::parse_json_message(
      R"({"version":"1","keys":[{"keyId":"ab","key_id":"cd"}]})", root, "trust-root.json");
  REQUIRE_FALSE(ok.has_value());
  CHECK(ok.error().message.find("\"keyId\" given twice") != std::string::npos);
}

TEST_CASE("unknown members of every JSON type are ignored: a newer writer's field reads") {
  v1::InclusionProof proof;
  auto ok = hv::parse_json_message(
      R"({"leafIndex":"3","addedLater":{"x":[1,2,{"y":null}]},"flag":true,"n":-1.5e3,)"
      R"("s":"\u00e9","treeSize":"4"})",
      proof, "proof.json");
  REQUIRE_MESSAGE(ok.has_value(), ok.error().message);
  CHECK(proof.leaf_index() == 3);
  CHECK(proof.tree_size() == 4);
}

TEST_CASE("JSON extensions protobuf tolerates are refused: trailing commas, single quotes, bad UTF-8") {
  CHECK(refusal(R"({"leafIndex":"1",})").find("trailing comma") != std::string::npos);
  CHECK(refusal(R"({"hashes":["AA==",]})").find("trailing comma") != std::string::npos);
  refusal(R"({'leafIndex':"1"})");
  refusal("{\"x\":\"\xff\"}");
  refusal(R"({"leafIndex":"1"} {})");
  refusal(R"({"leafIndex":01})");
}

TEST_CASE("values nested deeper than 64 levels are refused; 64 levels read") {
  auto nested = [](int depth) {
    std::string s = R"({"leafIndex":"1","x":)";
    for (int i = 1; i < depth; ++i) s += "[";
    s += "0";
    for (int i = 1; i < depth; ++i) s += "]";
    return s + "}";
  };
  v1::InclusionProof proof;
  CHECK(hv::parse_json_message(nested(hv::kMaxJsonDepth), proof, "p").has_value());
  CHECK(refusal(nested(hv::kMaxJsonDepth + 1)).find("nested too deeply") != std::string::npos);
}

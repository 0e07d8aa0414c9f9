// The reference parser and the comparisons of the DSSE JSON tests (dsse_json_reference.h).
#include "tests/verifier/dsse_json_reference.h"

#include <doctest/doctest.h>

#include <cctype>
#include <cstring>

#include <google/protobuf/util/json_util.h>

#include "verifier/core/dsse.h"

namespace hv = hallmark::verifier;

namespace {

// RFC 8259 syntax only (no UTF-8 or surrogate checks): tells protobuf's leniency apart
// from a real disagreement when a mutated input is accepted by protobuf alone.
class StrictJson {
 public:
  static bool valid(std::string_view s) {
    StrictJson j{s};
    j.ws();
    if (!j.value(0)) return false;
    j.ws();
    return j.i_ == s.size();
  }

 private:
  explicit StrictJson(std::string_view s) : s_(s) {}
  bool at(char c) const { return i_ < s_.size() && s_[i_] == c; }
  bool eat(char c) { return at(c) && (++i_, true); }
  bool eat_word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool digit() { return i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9' && (++i_, true); }
  void ws() {
    while (at(' ') || at('\t') || at('\n') || at('\r')) ++i_;
  }
  bool string() {
    if (!eat('"')) return false;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') continue;
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      if (e == 'u') {
        for (int k = 0; k < 4; ++k) {
          if (i_ >= s_.size() || std::isxdigit(static_cast<unsigned char>(s_[i_++])) == 0) return false;
        }
      } else if (e == '\0' || std::strchr("\"\\/bfnrt", e) == nullptr) {
        return false;
      }
    }
    return false;
  }
  bool number() {
    eat('-');
    if (!eat('0')) {
      if (!digit()) return false;
      while (digit()) {}
    }
    if (eat('.')) {
      if (!digit()) return false;
      while (digit()) {}
    }
    if (eat('e') || eat('E')) {
      if (!eat('+')) eat('-');
      if (!digit()) return false;
      while (digit()) {}
    }
    return true;
  }
  bool value(int depth) {
    if (depth > 1000) return false;
    if (at('"')) return string();
    if (eat('{')) {
      ws();
      if (eat('}')) return true;
      do {
        ws();
        if (!string()) return false;
        ws();
        if (!eat(':')) return false;
        ws();
        if (!value(depth + 1)) return false;
        ws();
      } while (eat(','));
      return eat('}');
    }
    if (eat('[')) {
      ws();
      if (eat(']')) return true;
      do {
        ws();
        if (!value(depth + 1)) return false;
        ws();
      } while (eat(','));
      return eat(']');
    }
    if (eat_word("true") || eat_word("false") || eat_word("null")) return true;
    return number();
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

namespace hallmark::verifier::testing {

// The former implementation, kept here as the reference.
std::optional<hallmark::v1::Envelope> protobuf_parse(std::string_view json) {
  if (json.size() > hv::kMaxEnvelopeBytes) return std::nullopt;
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::nullopt;
  hallmark::v1::Envelope envelope;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &envelope, options);
  if (!status.ok()) return std::nullopt;
  if (envelope.payload_type().empty() || envelope.signatures_size() == 0) return std::nullopt;
  if (static_cast<std::size_t>(envelope.signatures_size()) > hv::kMaxSignatures) return std::nullopt;
  return envelope;
}

// Both parsers give the same verdict and, when they accept, the same envelope.
void check_agree(std::string_view json) {
  CAPTURE(json);
  const auto ours = hv::parse_envelope_json(json);
  const auto reference = protobuf_parse(json);
  REQUIRE(ours.has_value() == reference.has_value());
  if (ours) {
    CHECK(ours->SerializeAsString() == reference->SerializeAsString());
  } else {
    CHECK(ours.error().code == hallmark::ErrorCode::kUsage);
  }
}

// As check_agree, except that we may refuse what is not RFC 8259 JSON and protobuf accepts.
void check_agree_or_stricter(std::string_view json) {
  CAPTURE(json);
  const auto ours = hv::parse_envelope_json(json);
  const auto reference = protobuf_parse(json);
  if (!ours && reference) {
    // Not JSON, or the empty-name quirk (see its test below).
    CHECK((!StrictJson::valid(json) ||
           ours.error().message.find("empty field name") != std::string::npos));
    return;
  }
  REQUIRE(ours.has_value() == reference.has_value());
  if (ours) CHECK(ours->SerializeAsString() == reference->SerializeAsString());
}

// Protobuf accepts, we refuse with `why` in the message.
void check_refused_unlike_protobuf(std::string_view json, std::string_view why) {
  CAPTURE(json);
  CHECK(protobuf_parse(json).has_value());
  const auto ours = hv::parse_envelope_json(json);
  REQUIRE_FALSE(ours.has_value());
  CHECK(ours.error().code == hallmark::ErrorCode::kUsage);
  CAPTURE(ours.error().message);
  CHECK(ours.error().message.find(why) != std::string::npos);
}

std::string with(std::string_view middle) {
  return R"({"payloadType":"t",)" + std::string(middle) + "}";
}

}  // namespace hallmark::verifier::testing

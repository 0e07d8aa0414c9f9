// The product's JSON rules (json_rules.h): a strict RFC 8259 pass that also refuses
// duplicated members, then protobuf's own JSON reader with unknown fields ignored.
#include "verifier/core/json_rules.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <set>
#include <string>

namespace hallmark::verifier {
namespace {

namespace pb = google::protobuf;


// Message types whose JSON form is not an object of their fields: checked by name only.
bool special_json_form(const pb::Descriptor* type) {
  return type != nullptr && type->file()->package() == "google.protobuf";
}

class Checker {
 public:
  explicit Checker(std::string_view text) : text_(text) {}

  Result<void> run(const pb::Descriptor* type) {
    ws();
    if (!value(type, 0)) return failure();
    ws();
    if (i_ != text_.size()) {
      bad("unexpected data after the JSON value");
      return failure();
    }
    return {};
  }

 private:
  Result<void> failure() const {
    return fail(ErrorCode::kUsage, what_ + " at byte " + std::to_string(at_));
  }
  bool bad(std::string what, std::size_t where) {
    what_ = std::move(what);
    at_ = where;
    return false;
  }
  bool bad(std::string what) { return bad(std::move(what), i_); }

  bool at(char c) const { return i_ < text_.size() && text_[i_] == c; }
  bool eat(char c) { return at(c) && (++i_, true); }
  void ws() {
    while (at(' ') || at('\t') || at('\n') || at('\r')) ++i_;
  }
  bool word(std::string_view w) {
    if (text_.substr(i_, w.size()) != w) return bad("invalid literal");
    i_ += w.size();
    return true;
  }
  bool digits() {
    const std::size_t start = i_;
    while (i_ < text_.size() && text_[i_] >= '0' && text_[i_] <= '9') ++i_;
    return i_ != start;
  }

  // A string; its decoded text goes to `out` when given (member names only).
  bool string(std::string* out) {
    const std::size_t start = i_++;
    const auto* end = reinterpret_cast<const unsigned char*>(text_.data() + text_.size());
    while (true) {
      if (i_ >= text_.size()) return bad("unterminated string", start);
      const auto c = static_cast<unsigned char>(text_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return bad("control character in a string (must be escaped)");
      if (c >= 0x80) {
        const std::size_t len =
            utf8_sequence_length(reinterpret_cast<const unsigned char*>(text_.data() + i_), end);
        if (len == 0) return bad("invalid UTF-8 in a string");
        if (out) out->append(text_.substr(i_, len));
        i_ += len;
        continue;
      }
      if (c != '\\') {
        if (out) *out += static_cast<char>(c);
        ++i_;
        continue;
      }
      const std::size_t esc = i_++;
      if (i_ >= text_.size()) return bad("unterminated string", start);
      const char e = text_[i_++];
      if (e == 'u') {
        if (i_ + 4 > text_.size()) return bad("invalid \\u escape", esc);
        for (int k = 0; k < 4; ++k) {
          if (std::isxdigit(static_cast<unsigned char>(text_[i_ + static_cast<std::size_t>(k)])) == 0) {
            return bad("invalid \\u escape", esc);
          }
        }
        // Member names compare by their escaped spelling too: "a" and "\u0061" are one name.
        if (out) {
          const unsigned long cp = std::stoul(std::string(text_.substr(i_, 4)), nullptr, 16);
          if (cp < 0x80) *out += static_cast<char>(cp);
          else out->append(text_.substr(esc, 6));
        }
        i_ += 4;
        continue;
      }
      static constexpr std::string_view kSimple = "\"\\/bfnrt";
      static constexpr std::string_view kDecoded = "\"\\/\b\f\n\r\t";
      const std::size_t which = kSimple.find(e);
      if (which == std::string_view::npos) return bad("invalid escape in a string", esc);
      if (out) *out += kDecoded[which];
    }
  }

  bool number() {
    const std::size_t start = i_;
    eat('-');
    if (!eat('0') && !digits()) return bad("expected a value", start);
    if (i_ < text_.size() && text_[i_] >= '0' && text_[i_] <= '9') {
      return bad("number with a leading zero", start);
    }
    if (eat('.') && !digits()) return bad("number without digits after '.'", start);
    if (eat('e') || eat('E')) {
      if (!eat('+')) eat('-');
      if (!digits()) return bad("number without exponent digits", start);
    }
    return true;
  }

  // The name a member is compared by: a protobuf field's number when `type` knows it (so
  // its JSON name and its proto name are one member), else the decoded name.
  static std::string identity(const pb::Descriptor* type, const std::string& name,
                              const pb::FieldDescriptor** field) {
    *field = nullptr;
    if (type != nullptr && !special_json_form(type)) {
      *field = type->FindFieldByName(name);
      for (int f = 0; *field == nullptr && f < type->field_count(); ++f) {
        if (type->field(f)->json_name() == name) *field = type->field(f);
      }
    }
    if (*field != nullptr) return "#" + std::to_string((*field)->number());
    return "=" + name;
  }

  // The message type the value of `field` holds (for its members), or none.
  static const pb::Descriptor* value_type(const pb::FieldDescriptor* field) {
    if (field == nullptr) return nullptr;
    if (field->is_map()) return nullptr;  // keys are data; map values checked by name
    if (field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) return nullptr;
    return field->message_type();
  }

  bool object(const pb::Descriptor* type, int depth) {
    ++i_;  // '{'
    ws();
    if (eat('}')) return true;
    std::set<std::string> seen;
    while (true) {
      const std::size_t member = i_;
      if (!at('"')) return bad("expected a quoted member name");
      std::string name;
      if (!string(&name)) return false;
      const pb::FieldDescriptor* field = nullptr;
      if (!seen.insert(identity(type, name, &field)).second) {
        return bad(field != nullptr
                       ? "field \"" + field->json_name() + "\" given twice"
                       : "member \"" + name + "\" given twice",
                   member);
      }
      ws();
      if (!eat(':')) return bad("expected ':' after a member name");
      ws();
      if (!value(value_type(field), depth + 1)) return false;
      ws();
      if (eat('}')) return true;
      if (!eat(',')) return bad("expected ',' or '}' after an object member");
      ws();
      if (at('}')) return bad("trailing comma in an object");
    }
  }

  bool array(const pb::Descriptor* element_type, int depth) {
    ++i_;  // '['
    ws();
    if (eat(']')) return true;
    while (true) {
      if (!value(element_type, depth + 1)) return false;
      ws();
      if (eat(']')) return true;
      if (!eat(',')) return bad("expected ',' or ']' after an array element");
      ws();
      if (at(']')) return bad("trailing comma in an array");
    }
  }

  // `type`: the message an object here holds (repeated fields pass it to their elements).
  bool value(const pb::Descriptor* type, int depth) {
    if (i_ >= text_.size()) return bad("expected a value");
    switch (text_[i_]) {
      case '{':
        if (depth >= kMaxJsonDepth) return bad("nested too deeply");
        return object(type, depth);
      case '[':
        if (depth >= kMaxJsonDepth) return bad("nested too deeply");
        return array(type, depth);
      case '"': return string(nullptr);
      case 't': return word("true");
      case 'f': return word("false");
      case 'n': return word("null");
      default: return number();
    }
  }

  std::string_view text_;
  std::size_t i_ = 0;
  std::string what_;
  std::size_t at_ = 0;
};

}  // namespace

Result<void> check_json_rules(std::string_view json, const google::protobuf::Descriptor* type) {
  return Checker(json).run(type);
}

Result<void> parse_json_message(std::string_view json, google::protobuf::Message& out,
                                std::string_view what) {
  out.Clear();
  if (auto ok = check_json_rules(json, out.GetDescriptor()); !ok) {
    return std::unexpected(std::move(ok).error().context(std::string(what) + " is not valid JSON"));
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &out, options);
  if (!status.ok()) {
    out.Clear();
    return fail(ErrorCode::kUsage,
                std::string(what) + " is not a " + out.GetDescriptor()->name() +
                    " in protobuf JSON: " + std::string(status.message()));
  }
  return {};
}

bool is_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    const std::size_t n = utf8_sequence_length(p, end);
    if (n == 0) return false;
    p += n;
  }
  return true;
}

std::size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = p[0];
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (static_cast<std::size_t>(end - p) < len || p[1] < lo || p[1] > hi) return 0;
  for (std::size_t i = 2; i < len; ++i) {
    if ((p[i] & 0xc0) != 0x80) return 0;
  }
  return len;
}

}  // namespace hallmark::verifier

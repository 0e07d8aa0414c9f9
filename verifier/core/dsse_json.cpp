// parse_envelope_json(): a single-pass, strict RFC 8259 parser for the DSSE JSON form.
//
// It replaces protobuf's JsonStringToMessage, which cost ~15 µs per envelope on the
// signer's countersign path, and keeps its results: the same field names (JSON and proto
// names), unknown fields of any type ignored, null meaning absent, full string escapes
// with surrogate pairs, UTF-8 checked everywhere, and protobuf's base64 rules (standard or
// URL-safe alphabet but not both, padding optional but exact when present, no whitespace,
// unused trailing bits zero). Where protobuf is lenient beyond JSON (single quotes,
// unquoted keys, trailing commas, unknown escapes, raw control characters, "1." numbers,
// \f and \v as whitespace, a lone object, null or nested arrays in "signatures", an empty
// field name in a signature, unknown values nested ~65-100 deep) or lets the last of a
// duplicated field win, this parser refuses: a signed document has one reading only.
// A member name given twice is refused at every depth, unknown members included: the
// product's one JSON strictness (verifier/core/json_rules.h).
// tests/verifier/dsse_json_test.cpp compares both parsers input by input.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "verifier/core/dsse.h"
#include "verifier/core/json_rules.h"
#include "verifier/core/protobuf_json_values.h"

namespace hallmark::verifier {

namespace {

// Arrays and objects, the envelope itself included.
constexpr int kMaxDepth = 64;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}


// True when none of the 8 bytes at p ends a string or needs a closer look: no '"', no
// '\\', no control character, nothing above ASCII. (Word-at-a-time: the scan of base64
// text was half the parse time byte by byte.)
bool plain_ascii8(const char* p) {
  std::uint64_t w = 0;
  std::memcpy(&w, p, sizeof w);
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  const std::uint64_t quote = w ^ (kOnes * '"');
  const std::uint64_t backslash = w ^ (kOnes * '\\');
  const std::uint64_t found = ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                              ((w - kOnes * 0x20) & ~w) | w;
  return (found & kHigh) == 0;
}

class Parser {
 public:
  explicit Parser(std::string_view json)
      : begin_(json.data()), p_(json.data()), end_(json.data() + json.size()) {}

  // False with error() set when the text is not a well-formed envelope.
  bool parse(v1::Envelope& envelope) {
    skip_ws();
    if (p_ == end_ || *p_ != '{') return fail("expected a JSON object");
    if (!parse_envelope(envelope)) return false;
    skip_ws();
    if (p_ != end_) return fail("unexpected data after the envelope object");
    return true;
  }

  [[nodiscard]] std::string error() const {
    return what_ + " at byte " + std::to_string(at_);
  }

 private:
  bool fail(const char* what) { return fail_at(what, p_); }
  bool fail_at(const char* what, const char* where) {
    what_ = what;
    at_ = static_cast<std::size_t>(where - begin_);
    return false;
  }

  void skip_ws() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool peek(char c) const { return p_ != end_ && *p_ == c; }
  bool consume(char c) {
    if (!peek(c)) return false;
    ++p_;
    return true;
  }
  bool consume_literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  // Reads a string starting at its opening quote into `text`: a view of the input when the
  // string holds no escapes, else of `scratch_` holding the decoded string (valid until the
  // next string is read).
  bool read_string(std::string_view& text) {
    const char* start = ++p_;  // past the opening quote
    bool escaped = false;
    const char* copied = start;  // decoded into scratch_ up to here when escaped
    while (true) {
      while (end_ - p_ >= 8 && plain_ascii8(p_)) p_ += 8;
      if (p_ == end_) return fail_at("unterminated string", start - 1);
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') break;
      if (c < 0x80 && c >= 0x20 && c != '\\') {
        ++p_;
        continue;
      }
      if (c < 0x20) return fail("control character in a string (must be escaped)");
      if (c >= 0x80) {
        const std::size_t len = utf8_sequence_length(reinterpret_cast<const unsigned char*>(p_),
                                              reinterpret_cast<const unsigned char*>(end_));
        if (len == 0) return fail("invalid UTF-8 in a string");
        p_ += len;
        continue;
      }
      // An escape.
      if (!escaped) scratch_.clear();
      scratch_.append(copied, static_cast<std::size_t>(p_ - copied));
      escaped = true;
      const char* esc = p_++;
      if (p_ == end_) return fail_at("unterminated string", start - 1);
      char decoded = 0;
      switch (*p_) {
        case '"': decoded = '"'; break;
        case '\\': decoded = '\\'; break;
        case '/': decoded = '/'; break;
        case 'b': decoded = '\b'; break;
        case 'f': decoded = '\f'; break;
        case 'n': decoded = '\n'; break;
        case 'r': decoded = '\r'; break;
        case 't': decoded = '\t'; break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!read_hex4(cp)) return fail_at("invalid \\u escape", esc);
          if (cp >= 0xdc00 && cp <= 0xdfff) return fail_at("unpaired low surrogate", esc);
          if (cp >= 0xd800 && cp <= 0xdbff) {
            std::uint32_t low = 0;
            if (!(consume('\\') && peek('u'))) return fail_at("unpaired high surrogate", esc);
            if (!read_hex4(low)) return fail_at("invalid \\u escape", esc);
            if (low < 0xdc00 || low > 0xdfff) return fail_at("invalid low surrogate", esc);
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          }
          append_utf8(scratch_, cp);
          copied = p_;
          continue;
        }
        default: return fail_at("invalid escape in a string", esc);
      }
      ++p_;
      scratch_ += decoded;
      copied = p_;
    }
    if (escaped) {
      scratch_.append(copied, static_cast<std::size_t>(p_ - copied));
      text = scratch_;
    } else {
      text = std::string_view(start, static_cast<std::size_t>(p_ - start));
    }
    ++p_;  // closing quote
    return true;
  }

  // Reads four hex digits after "\u"; p_ is on the 'u'.
  bool read_hex4(std::uint32_t& cp) {
    ++p_;
    if (end_ - p_ < 4) return false;
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = hex_digit(p_[i]);
      if (d < 0) return false;
      cp = cp << 4 | static_cast<std::uint32_t>(d);
    }
    p_ += 4;
    return true;
  }

  // Reads an object key and the colon after it; `key` is valid until the next string.
  bool read_key(std::string_view& key) {
    if (!peek('"')) return fail("expected a quoted field name");
    if (!read_string(key)) return false;
    skip_ws();
    if (!consume(':')) return fail("expected ':' after a field name");
    skip_ws();
    return true;
  }

  // After a member's value: true with `more` set on ',' or '}'.
  bool object_next(bool& more) {
    skip_ws();
    if (consume(',')) {
      skip_ws();
      more = true;
      return true;
    }
    if (consume('}')) {
      more = false;
      return true;
    }
    return fail("expected ',' or '}' after an object member");
  }

  // Names of unknown members already read in one object: refused when given again.
  bool unknown_once(std::vector<std::string>& seen, std::string_view key, const char* member) {
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return fail_at("a member name given twice", member);
    }
    seen.emplace_back(key);
    return true;
  }

  bool is_null() {
    if (!peek('n')) return false;
    return consume_literal("null");
  }

  // A string field; null leaves it empty.
  bool read_string_field(std::string& out, const char* not_string) {
    if (is_null()) return true;
    if (!peek('"')) return fail(not_string);
    std::string_view text;
    if (!read_string(text)) return false;
    out.assign(text);
    return true;
  }

  // A bytes field (base64); null leaves it empty.
  bool read_bytes_field(std::string& out, const char* not_string, const char* bad_base64) {
    if (is_null()) return true;
    if (!peek('"')) return fail(not_string);
    const char* at = p_;
    std::string_view text;
    if (!read_string(text)) return false;
    if (!decode_base64(text, out)) return fail_at(bad_base64, at);
    return true;
  }

  bool parse_envelope(v1::Envelope& envelope) {
    ++p_;  // '{'
    skip_ws();
    if (consume('}')) return true;
    bool seen_type = false, seen_payload = false, seen_signatures = false;
    std::vector<std::string> unknown;
    for (bool more = true; more;) {
      const char* member = p_;
      std::string_view key;
      if (!read_key(key)) return false;
      if (key == "payloadType" || key == "payload_type") {
        if (seen_type) return fail_at("payloadType given twice", member);
        seen_type = true;
        if (!read_string_field(*envelope.mutable_payload_type(), "payloadType is not a string")) {
          return false;
        }
      } else if (key == "payload") {
        if (seen_payload) return fail_at("payload given twice", member);
        seen_payload = true;
        if (!read_bytes_field(*envelope.mutable_payload(), "payload is not a string",
                              "payload is not valid base64")) {
          return false;
        }
      } else if (key == "signatures") {
        if (seen_signatures) return fail_at("signatures given twice", member);
        seen_signatures = true;
        if (!parse_signatures(envelope)) return false;
      } else if (key.empty()) {
        return fail_at("empty field name", member);
      } else if (!unknown_once(unknown, key, member) || !skip_value(1)) {
        return false;
      }
      if (!object_next(more)) return false;
    }
    return true;
  }

  bool parse_signatures(v1::Envelope& envelope) {
    if (is_null()) return true;
    if (!consume('[')) return fail("signatures is not an array");
    skip_ws();
    if (consume(']')) return true;
    while (true) {
      if (!peek('{')) return fail("a signature is not an object");
      // Counted before each is stored: 64 MiB of "{}," would otherwise allocate millions.
      if (static_cast<std::size_t>(envelope.signatures_size()) == kMaxSignatures) {
        return fail("more than 256 signatures (the limit is kMaxSignatures)");
      }
      if (!parse_signature(*envelope.add_signatures())) return false;
      skip_ws();
      if (consume(']')) return true;
      if (!consume(',')) return fail("expected ',' or ']' after a signature");
      skip_ws();
    }
  }

  bool parse_signature(v1::Signature& signature) {
    ++p_;  // '{'
    skip_ws();
    if (consume('}')) return true;
    bool seen_keyid = false, seen_sig = false;
    std::vector<std::string> unknown;
    for (bool more = true; more;) {
      const char* member = p_;
      std::string_view key;
      if (!read_key(key)) return false;
      if (key == "keyid") {
        if (seen_keyid) return fail_at("keyid given twice in a signature", member);
        seen_keyid = true;
        if (!read_string_field(*signature.mutable_keyid(), "keyid is not a string")) return false;
      } else if (key == "sig") {
        if (seen_sig) return fail_at("sig given twice in a signature", member);
        seen_sig = true;
        if (!read_bytes_field(*signature.mutable_sig(), "sig is not a string",
                              "sig is not valid base64")) {
          return false;
        }
      } else if (key.empty()) {
        return fail_at("empty field name", member);
      } else if (!unknown_once(unknown, key, member) || !skip_value(3)) {
        return false;
      }
      if (!object_next(more)) return false;
    }
    return true;
  }

  // Any JSON value of an unknown field; `depth` counts the arrays and objects around it.
  bool skip_value(int depth) {
    if (p_ == end_) return fail("expected a value");
    switch (*p_) {
      case '"': {
        std::string_view text;
        return read_string(text);
      }
      case '{': {
        if (depth >= kMaxDepth) return fail("nested too deeply");
        ++p_;
        skip_ws();
        if (consume('}')) return true;
        std::vector<std::string> seen;
        for (bool more = true; more;) {
          const char* member = p_;
          std::string_view key;
          if (!read_key(key) || !unknown_once(seen, key, member) || !skip_value(depth + 1) ||
              !object_next(more)) {
            return false;
          }
        }
        return true;
      }
      case '[': {
        if (depth >= kMaxDepth) return fail("nested too deeply");
        ++p_;
        skip_ws();
        if (consume(']')) return true;
        while (true) {
          if (!skip_value(depth + 1)) return false;
          skip_ws();
          if (consume(']')) return true;
          if (!consume(',')) return fail("expected ',' or ']' after an array element");
          skip_ws();
        }
      }
      case 't': return consume_literal("true") || fail("invalid literal");
      case 'f': return consume_literal("false") || fail("invalid literal");
      case 'n': return consume_literal("null") || fail("invalid literal");
      default: return skip_number();
    }
  }

  // RFC 8259 number; like protobuf, one that overflows a double is refused.
  bool skip_number() {
    const char* start = p_;
    const auto digits = [&] {
      const char* d = p_;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      return p_ - d;
    };
    const bool negative = consume('-');
    if (p_ == end_ || *p_ < '0' || *p_ > '9') {
      return fail_at(negative ? "number without digits" : "expected a value", start);
    }
    if (consume('0')) {
      if (p_ != end_ && *p_ >= '0' && *p_ <= '9') return fail_at("number with a leading zero", start);
    } else {
      digits();
    }
    if (consume('.') && digits() == 0) return fail_at("number without digits after '.'", start);
    bool exponent = false;
    if (peek('e') || peek('E')) {
      exponent = true;
      ++p_;
      if (!consume('+')) consume('-');
      if (digits() == 0) return fail_at("number without exponent digits", start);
    }
    const auto len = p_ - start;
    if (!exponent && len < 300) return true;  // below DBL_MAX without an exponent
    double value = 0;
    const auto r = std::from_chars(start, p_, value);
    if (r.ec == std::errc::result_out_of_range && number_overflows_double(std::string_view(start, static_cast<std::size_t>(len)))) {
      return fail_at("number exceeds the range of a double", start);
    }
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  std::string scratch_;  // decoded text of the last string that held escapes
  std::string what_;
  std::size_t at_ = 0;
};

}  // namespace

Result<v1::Envelope> parse_envelope_json(std::string_view json) {
  if (json.size() > kMaxEnvelopeBytes) {
    return fail(ErrorCode::kUsage, "envelope is too large (" + std::to_string(json.size()) +
                                       " bytes; the limit is " +
                                       std::to_string(kMaxEnvelopeBytes) + ")");
  }
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return fail(ErrorCode::kUsage, "envelope is empty");
  }
  v1::Envelope envelope;
  Parser parser(json);
  if (!parser.parse(envelope)) {
    return fail(ErrorCode::kUsage, "envelope is not valid DSSE JSON: " + parser.error());
  }
  if (envelope.payload_type().empty()) {
    return fail(ErrorCode::kUsage, "envelope has no payloadType");
  }
  if (envelope.signatures_size() == 0) {
    return fail(ErrorCode::kUsage, "envelope has no signatures");
  }
  return envelope;
}

}  // namespace hallmark::verifier

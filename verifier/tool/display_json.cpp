#include "verifier/tool/display_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <openssl/evp.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <vector>

#include "verifier/core/bytes.h"
#include "verifier/core/time_format.h"

namespace hallmark::tool {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr std::string_view kUnixSuffix = "_unix";

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", byte);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string number(double v) {
  if (std::isnan(v)) return "\"NaN\"";
  if (std::isinf(v)) return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

class Printer {
 public:
  explicit Printer(JsonLayout layout) : indented_(layout == JsonLayout::kIndented) {}

  void message(const Message& m, int depth) {
    // Well-known types (Struct, Value, Timestamp...) have their own JSON form: the
    // protobuf printer's, whose parts hold no bytes.
    if (m.GetDescriptor()->file()->package() == "google.protobuf") {
      std::string json;
      google::protobuf::util::JsonPrintOptions options;
      options.add_whitespace = false;
      if (!google::protobuf::util::MessageToJsonString(m, &json, options).ok()) json = "null";
      out += json;
      return;
    }
    const Reflection* r = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    r->ListFields(m, &fields);
    out += '{';
    bool first = true;
    for (const FieldDescriptor* f : fields) {
      member(f->json_name(), depth + 1, first);
      if (f->is_repeated()) {
        out += '[';
        const int n = r->FieldSize(m, f);
        for (int i = 0; i < n; ++i) {
          if (i > 0) out += indented_ ? ", " : ",";
          element(m, f, i, depth + 1);
        }
        out += ']';
        continue;
      }
      element(m, f, -1, depth + 1);
      if (is_unix_time_field(f)) {
        const std::string name = f->json_name();
        member(name.substr(0, name.size() - 4) + "Utc", depth + 1, first);
        const std::int64_t t = f->cpp_type() == FieldDescriptor::CPPTYPE_INT64
                                   ? r->GetInt64(m, f)
                                   : static_cast<std::int64_t>(r->GetUInt64(m, f));
        out += quoted(verifier::format_utc(t));
      }
    }
    if (!first && indented_) newline(depth);
    out += '}';
  }

  std::string out;

  static bool is_unix_time_field(const FieldDescriptor* f) {
    return !f->is_repeated() && is_unix_time(f);
  }

 private:
  static bool is_unix_time(const FieldDescriptor* f) {
    return (f->cpp_type() == FieldDescriptor::CPPTYPE_INT64 ||
            f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64) &&
           std::string_view(f->name()).ends_with(kUnixSuffix) &&
           std::string_view(f->json_name()).ends_with("Unix");
  }

  void newline(int depth) {
    out += '\n';
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
  }

  void member(const std::string& name, int depth, bool& first) {
    if (!first) out += ',';
    first = false;
    if (indented_) newline(depth);
    out += quoted(name);
    out += indented_ ? ": " : ":";
  }

  // Field `f` of `m`; element `i` of a repeated field (i >= 0).
  void element(const Message& m, const FieldDescriptor* f, int i, int depth) {
    const Reflection* r = m.GetReflection();
    const bool rep = i >= 0;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        out += std::to_string(rep ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        out += std::to_string(rep ? r->GetRepeatedUInt32(m, f, i) : r->GetUInt32(m, f));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        out += quoted(std::to_string(rep ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f)));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        out += quoted(std::to_string(rep ? r->GetRepeatedUInt64(m, f, i) : r->GetUInt64(m, f)));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        out += number(rep ? r->GetRepeatedDouble(m, f, i) : r->GetDouble(m, f));
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        out += number(rep ? r->GetRepeatedFloat(m, f, i) : r->GetFloat(m, f));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        out += (rep ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f)) ? "true" : "false";
        break;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const int v = rep ? r->GetRepeatedEnumValue(m, f, i) : r->GetEnumValue(m, f);
        const auto* value = f->enum_type()->FindValueByNumber(v);
        out += value != nullptr ? quoted(value->name()) : std::to_string(v);
        break;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        const std::string s = rep ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
        out += quoted(f->type() == FieldDescriptor::TYPE_BYTES ? to_hex(as_bytes(s)) : s);
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        message(rep ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f), depth);
        break;
    }
  }

  bool indented_;
};

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// Rewrites a display JSON object of message type `d` into the protobuf JSON mapping.
bool to_mapping(google::protobuf::Struct& object, const google::protobuf::Descriptor* d) {
  auto& fields = *object.mutable_fields();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    auto it = fields.find(f->json_name());
    if (Printer::is_unix_time_field(f)) {
      const std::string name = f->json_name();
      const std::string companion = name.substr(0, name.size() - 4) + "Utc";
      auto c = fields.find(companion);
      if (c != fields.end()) {
        std::int64_t t = 0;
        if (it != fields.end() && it->second.has_string_value()) {
          const std::string& text = it->second.string_value();
          if (std::from_chars(text.data(), text.data() + text.size(), t).ec != std::errc{}) {
            return false;
          }
        }
        if (!c->second.has_string_value() || c->second.string_value() != verifier::format_utc(t)) {
          return false;
        }
        fields.erase(c);
      }
    }
    if (it == fields.end()) continue;
    auto convert = [f](google::protobuf::Value& v) {
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        if (!v.has_string_value()) return false;
        auto bytes = from_hex(v.string_value());
        if (!bytes) return false;
        v.set_string_value(base64(as_chars(*bytes)));
        return true;
      }
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        return v.has_struct_value() && to_mapping(*v.mutable_struct_value(), f->message_type());
      }
      return true;
    };
    if (f->is_repeated() && it->second.has_list_value()) {
      for (auto& v : *it->second.mutable_list_value()->mutable_values()) {
        if (!convert(v)) return false;
      }
    } else if (!convert(it->second)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool parse_display_json(std::string_view json, google::protobuf::Message& message) {
  google::protobuf::Value value;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &value).ok() ||
      !value.has_struct_value() ||
      !to_mapping(*value.mutable_struct_value(), message.GetDescriptor())) {
    return false;
  }
  std::string mapped;
  if (!google::protobuf::util::MessageToJsonString(value, &mapped).ok()) return false;
  return google::protobuf::util::JsonStringToMessage(mapped, &message).ok();
}

std::string to_display_json(const google::protobuf::Message& message, JsonLayout layout) {
  Printer printer(layout);
  printer.message(message, 0);
  return std::move(printer.out);
}

}  // namespace hallmark::tool

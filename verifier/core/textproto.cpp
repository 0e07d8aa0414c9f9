#include "verifier/core/textproto.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>

#include <string>

namespace hallmark::verifier {
namespace {

// Collects parse errors with their position instead of protobuf's default stderr log.
class CollectingErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit CollectingErrors(std::string_view origin) : origin_(origin) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!text.empty()) text += "; ";
    text += origin_ + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " +
            message;
  }
  std::string text;

 private:
  std::string origin_;
};

}  // namespace

Result<void> parse_textproto(std::string_view text, std::string_view origin,
                             std::string_view what, google::protobuf::Message& message) {
  google::protobuf::TextFormat::Parser parser;
  CollectingErrors errors(origin);
  parser.RecordErrorsTo(&errors);
  message.Clear();
  if (!parser.ParseFromString(std::string(text), &message)) {
    return fail(ErrorCode::kUsage, std::string(origin) + " is not a valid " + std::string(what) +
                                       " (" + message.GetTypeName() + " textproto): " +
                                       errors.text);
  }
  return {};
}

}  // namespace hallmark::verifier

#include "verifier/core/document.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace hallmark::verifier {

Bytes deterministic_bytes(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    // proto3 messages have no required fields, so serialising cannot fail.
    (void)message.SerializeToCodedStream(&coded);
  }  // CodedOutputStream flushes into `out` when destroyed
  return to_bytes(out);
}

std::string payload_type_of(std::string_view name) {
  return "application/vnd.hallmark." + std::string(name) + ".v1+protobuf";
}

}  // namespace hallmark::verifier

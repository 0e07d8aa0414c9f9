#include "verifier/tool/command_line.h"

#include <google/protobuf/util/json_util.h>

#include <exception>
#include <iostream>

#include "hallmark_version.h"

namespace hallmark::tool {

CommandLine::CommandLine(std::string program, std::string description)
    : program_(std::move(program)), app_(std::move(description), program_) {
  app_.set_version_flag("--version", std::string(kHallmarkVersion));
  app_.add_flag("--json", json_, "Print machine-readable output (protobuf JSON mapping)");
  app_.require_subcommand(1);
  app_.fallthrough();
}

CLI::App* CommandLine::add(CLI::App& parent, const std::string& name,
                           const std::string& description, Action action) {
  CLI::App* sub = parent.add_subcommand(name, description);
  sub->fallthrough();
  sub->callback([this, action = std::move(action)] { selected_ = action; });
  return sub;
}

int CommandLine::run(int argc, char** argv) {
  try {
    try {
      app_.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      const int rc = app_.exit(e);
      return e.get_exit_code() == 0 ? rc : kExitUsage;
    }
    if (!selected_) {
      std::cerr << program_ << ": choose a command (see --help)\n";
      return kExitUsage;
    }
    auto result = selected_();
    if (!result) {
      const Error& err = result.error();
      std::cerr << program_ << ": " << err.message;
      if (!err.openssl_reason.empty()) std::cerr << " (OpenSSL: " << err.openssl_reason << ")";
      std::cerr << '\n';
      return exit_code(err.code);
    }
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << program_ << ": internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << program_ << ": internal error\n";
  }
  return kExitInternal;
}

std::string to_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = false;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) {
    return "{}";
  }
  return out;
}

}  // namespace hallmark::tool

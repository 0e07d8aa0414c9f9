#include "verifier/tool/command_line.h"

#include <google/protobuf/util/json_util.h>

#include <exception>
#include <iostream>

#include "hallmark_version.h"
#include "verifier/core/time_format.h"

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

CLI::Option* add_time_option(CLI::App& app, const std::string& name,
                             std::optional<std::int64_t>& slot, const std::string& description) {
  const CLI::Validator utc_time(
      [name](std::string& text) -> std::string {
        if (verifier::parse_utc_time(text)) return {};
        return name + " \"" + text + "\" is not a time: give ISO 8601 in UTC "
               "(2026-11-21T14:13:20Z), a UTC day (2026-11-21) or Unix seconds";
      },
      "TIME");
  return app
      .add_option_function<std::string>(
          name, [&slot](const std::string& text) { slot = verifier::parse_utc_time(text); },
          description)
      ->check(utc_time)
      ->type_name("TIME");
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

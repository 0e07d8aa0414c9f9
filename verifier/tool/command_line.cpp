#include "verifier/tool/command_line.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <exception>
#include <vector>
#include <iostream>

#include "verifier/tool/build_id.h"
#include "verifier/core/time_format.h"

namespace hallmark::tool {

CommandLine::CommandLine(std::string program, std::string description)
    : program_(std::move(program)), app_(std::move(description), program_) {
  app_.set_version_flag("--version", version_text(program_));
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

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}


bool CommandLine::report_unknown_option() const {
  // CLI11 checks required options before it reports unexpected arguments, so a mistyped
  // flag would surface as "--trust-root is required": name the word it did not know first.
  std::string unknown;
  for (const std::string& word : app_.remaining(true)) {
    if (word.size() > 1 && word[0] == '-') {
      unknown = word.substr(0, word.find('='));
      break;
    }
  }
  if (unknown.empty()) return false;
  // The command the user chose: the deepest parsed subcommand.
  const CLI::App* command = &app_;
  std::string path = program_;
  for (bool deeper = true; deeper;) {
    deeper = false;
    for (const CLI::App* sub : command->get_subcommands()) {
      if (sub->parsed()) {
        command = sub;
        path += " " + sub->get_name();
        deeper = true;
        break;
      }
    }
  }
  std::string best;
  std::size_t best_distance = 3;  // suggest only a near miss
  for (const CLI::App* level = command; level != nullptr; level = level->get_parent()) {
    for (const CLI::Option* option : level->get_options()) {
      for (const std::string& name : option->get_lnames()) {
        const std::size_t d = edit_distance(unknown, "--" + name);
        if (d < best_distance) best_distance = d, best = "--" + name;
      }
    }
  }
  std::cerr << program_ << ": unknown option " << unknown << " for `" << path << "`";
  if (!best.empty()) std::cerr << " (did you mean " << best << "?)";
  std::cerr << "; see `" << path << " --help`\n";
  return true;
}

int CommandLine::run(int argc, char** argv) {
  try {
    try {
      app_.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() != 0 && report_unknown_option()) return kExitUsage;
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

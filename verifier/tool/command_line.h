// CommandLine: the one way every Hallmark executable parses flags, runs a command and turns
// its outcome into an exit code (docs/design.md §8: 0 ok, 1 refused, 2 usage, 3 token, 4 I/O).
//
// main() stays thin: build a CommandLine, add subcommands with actions returning
// Result<void>, call run(). run() catches everything, prints "<program>: <message>" on
// stderr and never prints secrets (it only prints Error messages, which never hold PINs).
// Not thread-safe; one per process.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "verifier/core/error.h"

namespace google::protobuf {
class Message;
}

namespace hallmark::tool {

using Action = std::function<Result<void>()>;

class CommandLine {
 public:
  CommandLine(std::string program, std::string description);

  CLI::App& app() { return app_; }
  // True when the global --json flag was given: print protobuf JSON instead of text.
  bool json() const { return json_; }

  // Adds a subcommand of `parent` that runs `action` once parsing succeeded.
  CLI::App* add(CLI::App& parent, const std::string& name, const std::string& description,
                Action action);

  int run(int argc, char** argv);

 private:
  // When parsing failed and a word that looks like an option was not one: prints
  // "unknown option X for `program sub`" (with the nearest option) and returns true.
  bool report_unknown_option() const;

  std::string program_;
  CLI::App app_;
  bool json_ = false;
  Action selected_;
};

// A flag taking a time (verifier/core/time_format.h parse_utc_time: ISO 8601 UTC, a UTC
// day or Unix seconds), stored in `slot`. Every binary's time flags are declared here, so
// they all accept the same forms; a bad value is a usage error naming the flag.
CLI::Option* add_time_option(CLI::App& app, const std::string& name,
                             std::optional<std::int64_t>& slot, const std::string& description);

// Protobuf JSON mapping of `message`, indented, field names in lowerCamelCase.
std::string to_json(const google::protobuf::Message& message);

// Levenshtein distance of two short strings (option names, serials): for "did you mean".
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace hallmark::tool

// The device tool behind a unit: which driver talked to the device, the digest of its
// configuration file and of every program it runs. The station records it in every unit
// event (v1::DeviceTool) and countersign flags any change (DEVICE_TOOL_DRIFT), because the
// tool is what "reads back" and "measures": a `cmd:` config that answers a read-back with
// the cached image instead of the flash shows up as a changed config or program digest.
//
// Programs are resolved as execvp would (a name without '/' searched on PATH) and then run
// by that absolute path, so what is hashed is what runs; a script's `#!` interpreter is
// hashed too. A program that cannot be resolved or read is listed without a digest (the
// finding says so) rather than failing the unit. Reads files only; thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verifier/core/error.h"
#include "verifier/core/sha256.h"

namespace hallmark::device {

struct ToolProgram {
  std::string path;                        // absolute, as run
  std::optional<verifier::Digest> sha256;  // unset: could not be read
  friend bool operator==(const ToolProgram&, const ToolProgram&) = default;
};

struct DeviceTool {
  std::string driver;                             // "sim", "cmd"
  std::optional<verifier::Digest> config_sha256;  // the config file's bytes as loaded
  std::vector<ToolProgram> programs;              // sorted by path, each once
  friend bool operator==(const DeviceTool&, const DeviceTool&) = default;
};

// The absolute path execvp would run for `name` (kIo naming it when none is found).
[[nodiscard]] Result<std::filesystem::path> resolve_program(std::string_view name);

// Each program (resolved) and the interpreter of any script among them, hashed now.
[[nodiscard]] std::vector<ToolProgram> identify_programs(const std::vector<std::string>& names);

}  // namespace hallmark::device

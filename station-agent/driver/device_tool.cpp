#include "station-agent/driver/device_tool.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "verifier/io/file_io.h"

namespace hallmark::device {
namespace {

namespace fs = std::filesystem;

bool executable_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

// "#!/bin/sh -e" -> "/bin/sh"; nothing for a binary.
std::optional<std::string> interpreter_of(const fs::path& program) {
  std::ifstream in(program, std::ios::binary);
  std::string line;
  if (!in || !std::getline(in, line) || !line.starts_with("#!")) return std::nullopt;
  std::istringstream words(line.substr(2));
  std::string interpreter;
  if (!(words >> interpreter)) return std::nullopt;
  return interpreter;
}

}  // namespace

Result<fs::path> resolve_program(std::string_view name) {
  if (name.empty()) return fail(ErrorCode::kUsage, "a device tool command names no program");
  if (name.find('/') != std::string_view::npos) {
    std::error_code ec;
    fs::path absolute = fs::absolute(fs::path(name), ec);
    if (ec || !executable_file(absolute)) {
      return fail(ErrorCode::kIo, fmt::format("device tool program {} is not an executable file", name));
    }
    return absolute.lexically_normal();
  }
  const char* env = std::getenv("PATH");
  std::istringstream dirs(env != nullptr && *env != '\0' ? env : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (executable_file(candidate)) {
      std::error_code ec;
      fs::path absolute = fs::absolute(candidate, ec);
      if (!ec) return absolute.lexically_normal();
    }
  }
  return fail(ErrorCode::kIo, fmt::format("device tool program '{}' is not found on PATH", name));
}

std::vector<ToolProgram> identify_programs(const std::vector<std::string>& names) {
  std::set<std::string> paths;
  std::vector<ToolProgram> out;
  auto add = [&](const std::string& path, std::optional<verifier::Digest> sha256) {
    if (paths.insert(path).second) out.push_back(ToolProgram{path, sha256});
  };
  for (const std::string& name : names) {
    auto resolved = resolve_program(name);
    if (!resolved) {
      add(name, std::nullopt);
      continue;
    }
    auto digest = fileio::hash_file(*resolved);
    add(resolved->string(), digest ? std::optional(*digest) : std::nullopt);
    if (auto interpreter = interpreter_of(*resolved)) {
      auto shell = resolve_program(*interpreter);
      auto shell_digest = shell ? fileio::hash_file(*shell) : Result<verifier::Digest>(std::unexpected(shell.error()));
      add(shell ? shell->string() : *interpreter,
          shell_digest ? std::optional(*shell_digest) : std::nullopt);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const ToolProgram& a, const ToolProgram& b) { return a.path < b.path; });
  return out;
}

}  // namespace hallmark::device

// The exact build of this executable, as `--version` prints it: the project version, the
// git commit it was built from and "-dirty" when the tree had uncommitted changes to
// tracked files ("0.1.0+g21eef3a9c1d2", "0.1.0+g21eef3a9c1d2-dirty"). Generated at build
// time by cmake/build_id.cmake; no time or path in it, so two builds of one commit print the
// same. Thread-safe (a constant).
#pragma once

#include <string>
#include <string_view>

namespace hallmark {

[[nodiscard]] std::string_view build_id();

// What `--version` prints: "hallmark-verify 0.1.0+g21eef3a9c1d2" (help2man reads the
// program name and version from this line).
[[nodiscard]] inline std::string version_text(std::string_view program) {
  std::string text(program);
  text += ' ';
  text += build_id();
  return text;
}

}  // namespace hallmark

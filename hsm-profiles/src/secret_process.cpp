#include "hsm-profiles/src/secret_process.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace hallmark::hsm {

Result<void> protect_secret_process() {
  const rlimit none{0, 0};
  if (::setrlimit(RLIMIT_CORE, &none) != 0) {
    return fail(ErrorCode::kInternal,
                fmt::format("setrlimit(RLIMIT_CORE, 0): {}", std::strerror(errno)));
  }
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return fail(ErrorCode::kInternal,
                fmt::format("prctl(PR_SET_DUMPABLE, 0): {}", std::strerror(errno)));
  }
  return {};
}

bool protect_secret_process_or_report(const char* program) {
  auto ok = protect_secret_process();
  if (ok) return true;
  std::fprintf(stderr, "%s: cannot keep PINs out of core dumps (%s); refusing to run\n",
               program, ok.error().message.c_str());
  return false;
}

}  // namespace hallmark::hsm

#include "verifier/io/clock.h"

#include <chrono>

namespace hallmark {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace hallmark

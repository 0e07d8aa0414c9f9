// pattern(): deterministic pseudo-random bytes for the images of throwaway bundles (the
// tests' and the benchmarks'): the same (size, seed) always gives the same data, different
// seeds give unrelated data. Not random in any cryptographic sense.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hallmark::testing {

std::string pattern(std::size_t size, std::uint32_t seed);

}  // namespace hallmark::testing

# Sanitizer instrumentation for the whole tree, in a build directory of its own.
#
# Build type Sanitize (g++ 12, build-sanitize): ASan + UBSan with -fno-sanitize-recover, so
#   the first report ends the test that caused it (`make test-sanitize`, docs/testing.md).
#   -Og: a third less compile CPU than -O1 (docs/testing.md "Time") while still optimising
#   (at -O0 instrumented code runs 2 to 3 times slower and deep recursion needs more stack).
# HALLMARK_FUZZ (clang-16, build-fuzz): the same sanitizers plus libFuzzer's coverage
#   instrumentation (-fsanitize=fuzzer-no-link) on every library, and fuzz/ (`make fuzz`).
set(HALLMARK_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)

string(JOIN " " sanitizer_flags ${HALLMARK_SANITIZER_FLAGS})
# ASan's instrumentation makes g++ 12 report maybe-uninitialized inside libstdc++'s own
# <regex> (std::function in its NFA states); the normal build keeps the warning.
# -g1: line tables only, enough for the file:line of every frame of a report; full -g
# made the test executables ~100 MB each and the build's link steps the slowest part.
# gold (binutils, always installed) links these large executables faster than ld.bfd.
set(CMAKE_CXX_FLAGS_SANITIZE "-Og -g1 ${sanitizer_flags} -Wno-maybe-uninitialized" CACHE STRING
    "Flags of the Sanitize build type" FORCE)
foreach(kind EXE SHARED MODULE)
  set(CMAKE_${kind}_LINKER_FLAGS_SANITIZE "-fsanitize=address,undefined -fuse-ld=gold"
      CACHE STRING "Link flags of the Sanitize build type" FORCE)
endforeach()

if(HALLMARK_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "HALLMARK_FUZZ needs clang (configure with -DCMAKE_CXX_COMPILER=clang++-16)")
  endif()
  add_compile_options(${HALLMARK_SANITIZER_FLAGS} -fsanitize=fuzzer-no-link)
  # libstdc++ 12 offers std::expected only when __cpp_concepts >= 202002; clang 16 has the
  # feature it needs (P0848, conditionally trivial special members) but still announces
  # 201907.
  if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 17)
    add_compile_options(-U__cpp_concepts -D__cpp_concepts=202002L)
  endif()

  # The sanitizer runtimes: clang's own (libclang-rt-16-dev) when installed, else those of
  # Debian 12's other LLVM (libclang-rt-14-dev; same runtime ABI, checked by
  # __asan_version_mismatch_check_v8 at link time).
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-resource-dir
                  OUTPUT_VARIABLE clang_resource_dir OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(runtime_dir "${clang_resource_dir}")
  if(NOT EXISTS "${clang_resource_dir}/lib/linux/libclang_rt.asan-x86_64.a")
    file(GLOB other_runtimes /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.asan-x86_64.a)
    if(NOT other_runtimes)
      message(FATAL_ERROR "no ASan runtime for ${CMAKE_CXX_COMPILER}: install libclang-rt-16-dev")
    endif()
    list(GET other_runtimes 0 other_runtime)
    get_filename_component(runtime_dir "${other_runtime}" DIRECTORY)
    get_filename_component(runtime_dir "${runtime_dir}/../.." ABSOLUTE)
    message(STATUS "fuzz: sanitizer runtimes from ${runtime_dir}")
  endif()
  add_link_options(-fsanitize=address,undefined -resource-dir=${runtime_dir})

  # libFuzzer itself (libfuzzer-16-dev), linked into the fuzz targets only.
  get_filename_component(clang_prefix "${clang_resource_dir}/../../.." ABSOLUTE)
  find_library(HALLMARK_LIBFUZZER NAMES libFuzzer.a Fuzzer PATHS "${clang_prefix}/lib"
               NO_DEFAULT_PATH REQUIRED)
endif()

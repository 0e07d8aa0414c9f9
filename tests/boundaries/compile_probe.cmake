# Compiles one probe translation unit with a product target's include path (the flags file
# CMakeLists.txt generates from the target) and checks the outcome:
#   cmake -DCXX=... -DFLAGS=<file> -DSOURCE=<probe.cpp> -DEXPECT=refused|compiles
#         [-DMESSAGE=<regex the compiler's error must match>] -P compile_probe.cmake
# "refused" passes only when the compiler fails AND says why (MESSAGE): a probe that fails
# for another reason (a typo, a missing generated header) must not look like a boundary.
execute_process(
  COMMAND ${CXX} -std=c++23 -fsyntax-only @${FLAGS} ${SOURCE}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(said "${out}${err}")
if(EXPECT STREQUAL "refused")
  if(rc EQUAL 0)
    message(FATAL_ERROR "${SOURCE} compiled with ${FLAGS}: the boundary did not hold")
  endif()
  if(NOT said MATCHES "${MESSAGE}")
    message(FATAL_ERROR "${SOURCE} failed, but not with '${MESSAGE}':\n${said}")
  endif()
  string(REGEX MATCH "[^\n]*(error|Error)[^\n]*" first "${said}")
  message(STATUS "refused as expected: ${first}")
elseif(EXPECT STREQUAL "compiles")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${SOURCE} did not compile with ${FLAGS}:\n${said}")
  endif()
  message(STATUS "compiles as expected: ${SOURCE}")
else()
  message(FATAL_ERROR "EXPECT must be refused or compiles, not '${EXPECT}'")
endif()

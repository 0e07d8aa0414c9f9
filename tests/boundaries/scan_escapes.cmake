# Scans product sources for include escapes (cmake/include_escapes.cmake):
#   cmake -DSOURCE_DIR=<dir> -DFOLDERS=<a;b> -P scan_escapes.cmake
# Fails, naming each file and include line, when one is found.
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/include_escapes.cmake)
hallmark_find_include_escapes(escapes ${SOURCE_DIR} ${FOLDERS})
if(escapes)
  list(JOIN escapes "\n  " text)
  message(FATAL_ERROR "include escapes its folder (docs/architecture.md, Dependency rules):\n  ${text}")
endif()
message(STATUS "no include escapes in ${FOLDERS}")

# Scans product sources for include escapes (cmake/include_escapes.cmake):
#   cmake -DSOURCE_DIR=<dir> [-DFOLDERS=<a;b>] -P scan_escapes.cmake
# Without FOLDERS, scans every folder of SOURCE_DIR that holds C++ but the tests and fuzzers
# (hallmark_layered_folders, cmake/product_folders.cmake): the same list the configure-time
# check uses, found in the tree, so a new folder is scanned without being named anywhere.
# Fails, naming each file and include line, when one is found.
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/include_escapes.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/product_folders.cmake)
get_filename_component(SOURCE_DIR "${SOURCE_DIR}" ABSOLUTE)
if(NOT FOLDERS)
  hallmark_layered_folders(FOLDERS ${SOURCE_DIR})
endif()
hallmark_find_include_escapes(escapes ${SOURCE_DIR} ${FOLDERS})
if(escapes)
  list(JOIN escapes "\n  " text)
  message(FATAL_ERROR "include escapes its folder (docs/architecture.md, Dependency rules):\n  ${text}")
endif()
message(STATUS "no include escapes in ${FOLDERS}")

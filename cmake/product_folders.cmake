# The product's top-level folders, found in the tree rather than listed by hand: the one list
# the include roots stub out (cmake/include_roots.cmake) and the include-escape scan reads
# (cmake/include_escapes.cmake, at configure time and in tests/boundaries), so a folder added
# to the tree is under the boundary rules of docs/architecture.md from its first configure.
# No side effects: usable with cmake -P.

# The folders that may include every folder (the tests, their support and the fuzzers, which
# drive the products from outside): their headers are stubbed out of every product layer's
# root like any other, but their own includes are not scanned for escapes.
set(HALLMARK_UNLAYERED_FOLDERS tests fuzz)

# hallmark_product_folders(<out> <source_dir>): every folder directly under `source_dir` that
# holds a C++ source or header (*.h, *.cpp) anywhere below it, sorted. Hidden folders and
# build trees (a CMakeCache.txt at their top) are not product folders.
function(hallmark_product_folders out source_dir)
  file(GLOB entries LIST_DIRECTORIES true RELATIVE ${source_dir} ${source_dir}/*)
  set(found "")
  foreach(entry IN LISTS entries)
    if(NOT IS_DIRECTORY ${source_dir}/${entry} OR entry MATCHES "^\\."
       OR EXISTS ${source_dir}/${entry}/CMakeCache.txt)
      continue()
    endif()
    file(GLOB_RECURSE sources ${source_dir}/${entry}/*.h ${source_dir}/${entry}/*.cpp)
    if(sources)
      list(APPEND found ${entry})
    endif()
  endforeach()
  list(SORT found)
  set(${out} ${found} PARENT_SCOPE)
endfunction()

# hallmark_layered_folders(<out> <source_dir>): the product folders whose includes are
# scanned for escapes: all of them but HALLMARK_UNLAYERED_FOLDERS.
function(hallmark_layered_folders out source_dir)
  hallmark_product_folders(folders ${source_dir})
  list(REMOVE_ITEM folders ${HALLMARK_UNLAYERED_FOLDERS})
  set(${out} ${folders} PARENT_SCOPE)
endfunction()

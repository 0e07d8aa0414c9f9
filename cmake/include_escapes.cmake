# hallmark_find_include_escapes: the one scan for include escapes (cmake/include_roots.cmake
# at configure time, tests/boundaries at test time). No side effects: usable with cmake -P.
#
# The include escapes the roots cannot see: `#include "../x.h"` resolves against the
# including file's own folder in the source tree, and an absolute path against nothing.
# Sets `out` to "file: the include line" for each one in `folders` (relative to
# `source_dir`).
function(hallmark_find_include_escapes out source_dir)
  set(found "")
  foreach(folder IN LISTS ARGN)
    file(GLOB_RECURSE files ${source_dir}/${folder}/*.h ${source_dir}/${folder}/*.cpp)
    foreach(file IN LISTS files)
      file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]([^\">]*\\.\\./|/)")
      foreach(line IN LISTS lines)
        file(RELATIVE_PATH rel ${source_dir} ${file})
        list(APPEND found "${rel}: ${line}")
      endforeach()
    endforeach()
  endforeach()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()


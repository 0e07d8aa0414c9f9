// ModuleAllocations: while one lives, LeakSanitizer does not count memory the calling
// thread allocates; a no-op outside sanitizer builds (build type Sanitize, fuzz builds).
//
// For calls into a PKCS#11 module only, and only where the module (not Hallmark) is known
// to leak: what a module allocates inside its own call is the module's to free, and a leak
// there cannot be fixed here. It cannot be a line of tests/sanitizer/lsan.supp: the module's
// frames never reach a report (libcrypto and the module are built without frame pointers,
// so the allocation stack stops in libcrypto, and the module is unloaded before the report
// at exit). Each use says which module leaks, how much and why (docs/testing.md, "Sanitizer
// suites"). Hallmark's own allocations are never made inside one: keep the scope to the
// one C_ call.
#pragma once

#if defined(__SANITIZE_ADDRESS__) && __has_include(<sanitizer/lsan_interface.h>)
#include <sanitizer/lsan_interface.h>
#define HALLMARK_LSAN_SCOPES 1
#endif

namespace hallmark::hsm {

class ModuleAllocations {
 public:
#ifdef HALLMARK_LSAN_SCOPES
  ModuleAllocations() noexcept { __lsan_disable(); }
  ~ModuleAllocations() { __lsan_enable(); }
#else
  // User-provided, so a scope holding only this is not an unused variable to the compiler.
  ModuleAllocations() noexcept {}
  ~ModuleAllocations() {}
#endif
  ModuleAllocations(const ModuleAllocations&) = delete;
  ModuleAllocations& operator=(const ModuleAllocations&) = delete;
};

}  // namespace hallmark::hsm

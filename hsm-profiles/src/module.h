// A loaded PKCS#11 module: dlopen, C_GetFunctionList, C_Initialize — once per path per
// process, shared by every session on it, finalised and unloaded when the last user goes.
//
// Guarantees: C_Initialize runs with CKF_OS_LOCKING_OK; a module someone else in this
// process already initialised (libp11, say: CKR_CRYPTOKI_ALREADY_INITIALIZED) is used but
// never finalised by us. Slots are only ever enumerated, never chosen by number: callers
// pick tokens by URI (uri.h). Never touches PINs or key material.
// Thread-safety: load() and the login bookkeeping are thread-safe; the function list is
// safe to call from several threads because the module was told it may use OS locking.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <p11-kit/pkcs11.h>

#include "hallmark/keys.pb.h"
#include "hsm-profiles/src/ck_error.h"
#include "verifier/core/error.h"

namespace hallmark::hsm {

class Module : public std::enable_shared_from_this<Module> {
 public:
  // Loads `path` or returns the instance already loaded from it (same canonical path).
  static Result<std::shared_ptr<Module>> load(const std::string& path);

  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  CK_FUNCTION_LIST* functions() const noexcept { return functions_; }
  const std::string& path() const noexcept { return path_; }

  // Slots that currently hold a token (C_GetSlotList(CK_TRUE)); ids may change between
  // calls on some modules (SoftHSM after C_InitToken), so never keep them around.
  Result<std::vector<CK_SLOT_ID>> slots_with_token() const;
  Result<CK_TOKEN_INFO> token_info(CK_SLOT_ID slot) const;
  // C_GetInfo: the library's manufacturer and description, unpadded (profile detection).
  struct LibraryInfo {
    std::string manufacturer;
    std::string description;
  };
  Result<LibraryInfo> library_info() const;

  // Login is per token per process (PKCS#11): sessions count their logins here so the
  // last one to leave logs out and an earlier one does not log out the others.
  void add_login(CK_SLOT_ID slot);
  // True when the caller held the last login on `slot` and should C_Logout.
  bool drop_login(CK_SLOT_ID slot);

 private:
  Module(std::string path, void* library, CK_FUNCTION_LIST* functions, bool finalize);

  const std::string path_;
  void* const library_;
  CK_FUNCTION_LIST* const functions_;
  bool finalize_;  // guarded by the registry mutex: an unload racing a reload hands it on
  std::mutex login_mutex_;
  std::map<CK_SLOT_ID, int> logins_;
};

// A space-padded PKCS#11 text field without its padding.
std::string padded_field(const unsigned char* field, std::size_t size);

// Label, serial, manufacturer and model of a token, unpadded.
v1::TokenInfo token_info_proto(const CK_TOKEN_INFO& info);

}  // namespace hallmark::hsm

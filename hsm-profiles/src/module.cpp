#include "hsm-profiles/src/module.h"

#include <dlfcn.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace hallmark::hsm {
namespace {

// Recursive: a Module destructor takes it, and a failed load may destroy a Module while
// holding it. Held during C_Initialize/C_Finalize so a reload never races an unload.
std::recursive_mutex& registry_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

std::map<std::string, std::weak_ptr<Module>>& registry() {
  static std::map<std::string, std::weak_ptr<Module>> modules;
  return modules;
}

// A bare file name is left to the dynamic linker's search path; anything with a slash is
// made canonical so two spellings of one file share one instance.
Result<std::string> registry_key(const std::string& path) {
  if (path.find('/') == std::string::npos) return path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return fail(ErrorCode::kToken,
                fmt::format("PKCS#11 module {} does not exist: install it or fix the "
                            "profile's module path",
                            path));
  }
  auto canonical = std::filesystem::canonical(path, ec);
  if (ec) return path;
  return canonical.string();
}

}  // namespace

Module::Module(std::string path, void* library, CK_FUNCTION_LIST* functions, bool finalize)
    : path_(std::move(path)), library_(library), functions_(functions), finalize_(finalize) {}

Module::~Module() {
  std::lock_guard lock(registry_mutex());
  if (finalize_) {
    // Another thread may have reloaded this path after our last user left and before we
    // got the lock; its C_Initialize then saw ALREADY_INITIALIZED. It finalises instead.
    auto it = registry().find(path_);
    auto newer = it != registry().end() ? it->second.lock() : nullptr;
    if (newer) {
      newer->finalize_ = true;
    } else {
      functions_->C_Finalize(nullptr);
    }
  }
  dlclose(library_);
}

Result<std::shared_ptr<Module>> Module::load(const std::string& path) {
  auto key = registry_key(path);
  if (!key) return std::unexpected(key.error());

  std::lock_guard lock(registry_mutex());
  auto& modules = registry();
  if (auto it = modules.find(*key); it != modules.end()) {
    if (auto existing = it->second.lock()) return existing;
    modules.erase(it);
  }

  void* library = dlopen(key->c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = dlerror();
    return fail(ErrorCode::kToken, fmt::format("cannot load PKCS#11 module {}: {}", path,
                                               why != nullptr ? why : "unknown error"));
  }
  auto get_function_list =
      reinterpret_cast<CK_C_GetFunctionList>(dlsym(library, "C_GetFunctionList"));
  if (get_function_list == nullptr) {
    dlclose(library);
    return fail(ErrorCode::kToken,
                fmt::format("{} is not a PKCS#11 module (no C_GetFunctionList)", path));
  }
  CK_FUNCTION_LIST* functions = nullptr;
  CK_RV rv = get_function_list(&functions);
  if (rv != CKR_OK || functions == nullptr) {
    dlclose(library);
    return token_fail(rv, fmt::format("module {}: C_GetFunctionList", path));
  }

  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  rv = functions->C_Initialize(&args);
  const bool finalize = rv != CKR_CRYPTOKI_ALREADY_INITIALIZED;
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    dlclose(library);
    auto error = token_error(rv, fmt::format("module {}: C_Initialize", path));
    if (rv == CKR_GENERAL_ERROR) {
      error.message +=
          " (check the module's configuration; for SoftHSM: SOFTHSM2_CONF and a writable "
          "directories.tokendir)";
    }
    return std::unexpected(std::move(error));
  }

  std::shared_ptr<Module> module(new Module(*key, library, functions, finalize));
  modules[*key] = module;
  return module;
}

Result<std::vector<CK_SLOT_ID>> Module::slots_with_token() const {
  std::vector<CK_SLOT_ID> slots;
  for (;;) {
    CK_ULONG count = 0;
    CK_RV rv = functions_->C_GetSlotList(CK_TRUE, nullptr, &count);
    if (rv != CKR_OK) return token_fail(rv, fmt::format("module {}: C_GetSlotList", path_));
    slots.resize(count);
    rv = functions_->C_GetSlotList(CK_TRUE, slots.data(), &count);
    if (rv == CKR_BUFFER_TOO_SMALL) continue;  // a token arrived between the two calls
    if (rv != CKR_OK) return token_fail(rv, fmt::format("module {}: C_GetSlotList", path_));
    slots.resize(count);
    return slots;
  }
}

Result<CK_TOKEN_INFO> Module::token_info(CK_SLOT_ID slot) const {
  CK_TOKEN_INFO info{};
  CK_RV rv = functions_->C_GetTokenInfo(slot, &info);
  if (rv != CKR_OK) return token_fail(rv, fmt::format("module {}: C_GetTokenInfo", path_));
  return info;
}

Result<Module::LibraryInfo> Module::library_info() const {
  CK_INFO info{};
  CK_RV rv = functions_->C_GetInfo(&info);
  if (rv != CKR_OK) return token_fail(rv, fmt::format("module {}: C_GetInfo", path_));
  return LibraryInfo{padded_field(info.manufacturerID, sizeof info.manufacturerID),
                     padded_field(info.libraryDescription, sizeof info.libraryDescription)};
}

void Module::add_login(CK_SLOT_ID slot) {
  std::lock_guard lock(login_mutex_);
  ++logins_[slot];
}

bool Module::drop_login(CK_SLOT_ID slot) {
  std::lock_guard lock(login_mutex_);
  auto it = logins_.find(slot);
  if (it == logins_.end()) return false;
  if (--it->second > 0) return false;
  logins_.erase(it);
  return true;
}

std::string padded_field(const unsigned char* field, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(field), size);
  auto end = text.find_last_not_of(std::string_view(" \0", 2));
  text.resize(end == std::string::npos ? 0 : end + 1);
  return text;
}

v1::TokenInfo token_info_proto(const CK_TOKEN_INFO& info) {
  v1::TokenInfo out;
  out.set_label(padded_field(info.label, sizeof info.label));
  out.set_serial(padded_field(info.serialNumber, sizeof info.serialNumber));
  out.set_manufacturer(padded_field(info.manufacturerID, sizeof info.manufacturerID));
  out.set_model(padded_field(info.model, sizeof info.model));
  return out;
}

}  // namespace hallmark::hsm

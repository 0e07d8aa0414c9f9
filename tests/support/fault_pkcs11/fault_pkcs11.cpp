/* A PKCS#11 module (C ABI) for tests only: forwards every call to a real module (SoftHSM) and
 * injects one token fault at the N-th call of one function, so tests can show what every
 * command does when a token fails mid-way (docs/hsm-profiles.md, "Token faults").
 *
 * Configured by one environment variable naming no secret:
 *   HALLMARK_FAULT=FUNCTION:N:KIND[:ARG]     e.g. C_Sign:2:removed
 * FUNCTION is one of the wrapped functions below, N counts its calls in this process from 1.
 * KIND:
 *   removed         from call N on, every call of every wrapped function returns
 *                   CKR_DEVICE_REMOVED (the card was pulled; it stays pulled)
 *   not-present     likewise with CKR_TOKEN_NOT_PRESENT
 *   session-invalid call N returns CKR_SESSION_HANDLE_INVALID
 *   device-error    call N returns CKR_DEVICE_ERROR
 *   pin-locked      call N returns CKR_PIN_LOCKED (use it on C_Login), and from then on
 *                   C_GetTokenInfo reports CKF_USER_PIN_LOCKED
 *   final-try       call N returns CKR_PIN_INCORRECT (use it on C_Login), and from then on
 *                   C_GetTokenInfo reports CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY
 *   slow            call N and later ones sleep ARG milliseconds (default 300), then forward
 *   bad-signature   call N (C_Sign) succeeds but one byte of its signature is flipped
 * Optional: HALLMARK_FAULT_TARGET=PATH (default HALLMARK_FAULT_DEFAULT_TARGET, SoftHSM);
 * HALLMARK_FAULT_TRACE=PATH appends the name of every wrapped call, one a line (to find N).
 * Unset HALLMARK_FAULT: a plain forwarder. Never logs arguments (a PIN goes through C_Login).
 * Not for production: nothing but tests links or loads it. Thread-safe counters. */
#include <dlfcn.h>
#include <pthread.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <p11-kit/pkcs11.h>

enum fault_kind {
  FAULT_NONE,
  FAULT_REMOVED,
  FAULT_NOT_PRESENT,
  FAULT_SESSION_INVALID,
  FAULT_DEVICE_ERROR,
  FAULT_PIN_LOCKED,
  FAULT_FINAL_TRY,
  FAULT_SLOW,
  FAULT_BAD_SIGNATURE,
};

namespace {

pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
CK_FUNCTION_LIST g_list;
CK_FUNCTION_LIST_PTR g_target;
char g_function[64];
unsigned long g_at;
unsigned long g_calls;
enum fault_kind g_kind = FAULT_NONE;
long g_arg;
CK_RV g_sticky_rv = CKR_OK; /* set once removed */
CK_FLAGS g_pin_flags;       /* added to C_GetTokenInfo once a PIN fault fired */

void configure(void) {
  const char* spec = std::getenv("HALLMARK_FAULT");
  if (spec == nullptr || *spec == '\0') return;
  char kind[32] = {0};
  long arg = 0;
  int n = std::sscanf(spec, "%63[^:]:%lu:%31[^:]:%ld", g_function, &g_at, kind, &arg);
  if (n < 3 || g_at == 0) {
    std::fprintf(stderr, "fault_pkcs11: HALLMARK_FAULT='%s' is not FUNCTION:N:KIND[:ARG]\n", spec);
    std::abort();
  }
  struct Named {
    const char* name;
    fault_kind kind;
  };
  static const Named kinds[] = {{"removed", FAULT_REMOVED},       {"not-present", FAULT_NOT_PRESENT},
               {"session-invalid", FAULT_SESSION_INVALID},
               {"device-error", FAULT_DEVICE_ERROR}, {"pin-locked", FAULT_PIN_LOCKED},
               {"final-try", FAULT_FINAL_TRY},     {"slow", FAULT_SLOW},
               {"bad-signature", FAULT_BAD_SIGNATURE}};
  for (const auto& named : kinds) {
    if (std::strcmp(kind, named.name) == 0) g_kind = named.kind;
  }
  if (g_kind == FAULT_NONE) {
    std::fprintf(stderr, "fault_pkcs11: unknown fault kind '%s'\n", kind);
    std::abort();
  }
  g_arg = n == 4 ? arg : 300;
}

void trace(const char* function) {
  const char* path = std::getenv("HALLMARK_FAULT_TRACE");
  if (path == nullptr || *path == '\0') return;
  std::FILE* f = std::fopen(path, "a");
  if (f == nullptr) return;
  std::fprintf(f, "%s\n", function);
  std::fclose(f);
}

void sleep_ms(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* What a wrapped call must do before (or instead of) forwarding. */
struct decision {
  CK_RV fail_with; /* CKR_OK: forward */
  bool flip_signature;
};

struct decision decide(const char* function) {
  decision d{CKR_OK, 0};
  long sleep_for = 0;
  pthread_mutex_lock(&g_mutex);
  const bool named = std::strcmp(function, g_function) == 0;
  const bool mine = g_kind != FAULT_NONE && named;
  unsigned long count = 0;
  if (named) count = ++g_calls;
  trace(function);
  if (g_sticky_rv != CKR_OK) {
    d.fail_with = g_sticky_rv;
  } else if (mine && g_kind == FAULT_SLOW && count >= g_at) {
    sleep_for = g_arg;
  } else if (mine && count == g_at) {
    switch (g_kind) {
      case FAULT_REMOVED: g_sticky_rv = d.fail_with = CKR_DEVICE_REMOVED; break;
      case FAULT_NOT_PRESENT: g_sticky_rv = d.fail_with = CKR_TOKEN_NOT_PRESENT; break;
      case FAULT_SESSION_INVALID: d.fail_with = CKR_SESSION_HANDLE_INVALID; break;
      case FAULT_DEVICE_ERROR: d.fail_with = CKR_DEVICE_ERROR; break;
      case FAULT_PIN_LOCKED:
        d.fail_with = CKR_PIN_LOCKED;
        g_pin_flags = CKF_USER_PIN_LOCKED;
        break;
      case FAULT_FINAL_TRY:
        d.fail_with = CKR_PIN_INCORRECT;
        g_pin_flags = CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY;
        break;
      case FAULT_BAD_SIGNATURE: d.flip_signature = true; break;
      default: break;
    }
  }
  pthread_mutex_unlock(&g_mutex);
  if (sleep_for > 0) sleep_ms(sleep_for);
  return d;
}

#define DECIDE_OR_FAIL(name)              \
  decision d = decide(#name);             \
  if (d.fail_with != CKR_OK) return d.fail_with

CK_RV w_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
  DECIDE_OR_FAIL(C_GetTokenInfo);
  CK_RV rv = g_target->C_GetTokenInfo(slot, info);
  if (rv == CKR_OK && info != nullptr) {
    pthread_mutex_lock(&g_mutex);
    info->flags |= g_pin_flags;
    pthread_mutex_unlock(&g_mutex);
  }
  return rv;
}

CK_RV w_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
                           CK_SESSION_HANDLE_PTR session) {
  DECIDE_OR_FAIL(C_OpenSession);
  return g_target->C_OpenSession(slot, flags, app, notify, session);
}

CK_RV w_Login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
                     CK_ULONG pin_len) {
  DECIDE_OR_FAIL(C_Login);
  return g_target->C_Login(session, user, pin, pin_len);
}

CK_RV w_FindObjectsInit(CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR tmpl,
                               CK_ULONG count) {
  DECIDE_OR_FAIL(C_FindObjectsInit);
  return g_target->C_FindObjectsInit(session, tmpl, count);
}

CK_RV w_GetAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                                 CK_ATTRIBUTE_PTR tmpl, CK_ULONG count) {
  DECIDE_OR_FAIL(C_GetAttributeValue);
  return g_target->C_GetAttributeValue(session, object, tmpl, count);
}

CK_RV w_GenerateKeyPair(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
                               CK_ATTRIBUTE_PTR pub, CK_ULONG pub_count, CK_ATTRIBUTE_PTR priv,
                               CK_ULONG priv_count, CK_OBJECT_HANDLE_PTR pub_key,
                               CK_OBJECT_HANDLE_PTR priv_key) {
  DECIDE_OR_FAIL(C_GenerateKeyPair);
  return g_target->C_GenerateKeyPair(session, mechanism, pub, pub_count, priv, priv_count,
                                     pub_key, priv_key);
}

CK_RV w_SignInit(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
                        CK_OBJECT_HANDLE key) {
  DECIDE_OR_FAIL(C_SignInit);
  return g_target->C_SignInit(session, mechanism, key);
}

CK_RV w_Sign(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len,
                    CK_BYTE_PTR signature, CK_ULONG_PTR signature_len) {
  decision d = decide("C_Sign");
  if (d.fail_with != CKR_OK) {
    // A failed C_Sign ends the signing operation on a real token: end it on the target too
    // (its signature is discarded), or the next C_SignInit would see CKR_OPERATION_ACTIVE.
    g_target->C_Sign(session, data, data_len, signature, signature_len);
    if (signature != nullptr && signature_len != nullptr) std::memset(signature, 0, *signature_len);
    return d.fail_with;
  }
  CK_RV rv = g_target->C_Sign(session, data, data_len, signature, signature_len);
  if (rv == CKR_OK && d.flip_signature && signature != nullptr && signature_len != nullptr &&
      *signature_len > 0) {
    signature[*signature_len / 2] ^= 0x01;
  }
  return rv;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(
    CK_FUNCTION_LIST_PTR_PTR list) {
  if (list == nullptr) return CKR_ARGUMENTS_BAD;
  pthread_mutex_lock(&g_mutex);
  if (g_target == nullptr) {
    const char* path = getenv("HALLMARK_FAULT_TARGET");
    if (path == nullptr || *path == '\0') path = HALLMARK_FAULT_DEFAULT_TARGET;
    void* library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    auto get = library != nullptr
                   ? reinterpret_cast<CK_C_GetFunctionList>(dlsym(library, "C_GetFunctionList"))
                   : nullptr;
    if (get == nullptr || get(&g_target) != CKR_OK || g_target == nullptr) {
      std::fprintf(stderr, "fault_pkcs11: cannot load the target module %s\n", path);
      g_target = nullptr;
      pthread_mutex_unlock(&g_mutex);
      return CKR_GENERAL_ERROR;
    }
    configure();
    g_list = *g_target;
    g_list.C_GetTokenInfo = w_GetTokenInfo;
    g_list.C_OpenSession = w_OpenSession;
    g_list.C_Login = w_Login;
    g_list.C_FindObjectsInit = w_FindObjectsInit;
    g_list.C_GetAttributeValue = w_GetAttributeValue;
    g_list.C_GenerateKeyPair = w_GenerateKeyPair;
    g_list.C_SignInit = w_SignInit;
    g_list.C_Sign = w_Sign;
  }
  pthread_mutex_unlock(&g_mutex);
  *list = &g_list;
  return CKR_OK;
}

// OpenSSL handles as unique_ptrs, and the one place that turns OpenSSL's error queue into
// an Error.
//
// Only <openssl/types.h> is included here, so public headers may hold these handles
// without pulling in the rest of OpenSSL. Internal to Hallmark (the verifier, the signer and the tests use it); not an API for
// other programs. One deleter type per handle type, so a handle can never be freed with
// the wrong function; this is the one set of them (the X.509 ones included: no file
// declares its own). openssl_error() always leaves the calling thread's error queue
// empty, so a stale reason never leaks into a later, unrelated Error. Thread-safe: the
// error queue is per thread.
#pragma once

#include <memory>
#include <string>

#include <openssl/types.h>

#include "verifier/core/error.h"

typedef struct ECDSA_SIG_st ECDSA_SIG;                  // as <openssl/ec.h> declares it
typedef struct BASIC_CONSTRAINTS_st BASIC_CONSTRAINTS;  // as <openssl/x509v3.h> declares it

namespace hallmark::ossl {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const noexcept;
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const noexcept;
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const noexcept;
};
struct BioDeleter {
  void operator()(BIO* p) const noexcept;
};
struct BignumDeleter {
  void operator()(BIGNUM* p) const noexcept;
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* p) const noexcept;
};
struct OpensslMallocDeleter {
  void operator()(void* p) const noexcept;
};
struct X509Deleter {
  void operator()(X509* p) const noexcept;
};
struct X509NameDeleter {
  void operator()(X509_NAME* p) const noexcept;
};
struct X509PubkeyDeleter {
  void operator()(X509_PUBKEY* p) const noexcept;
};
struct X509AlgorDeleter {
  void operator()(X509_ALGOR* p) const noexcept;
};
// ASN1_INTEGER, ASN1_TIME, ASN1_BIT_STRING and ASN1_OCTET_STRING are one C type
// (asn1_string_st), freed by ASN1_STRING_free.
struct Asn1StringDeleter {
  void operator()(ASN1_STRING* p) const noexcept;
};
struct BasicConstraintsDeleter {
  void operator()(BASIC_CONSTRAINTS* p) const noexcept;
};
struct AuthorityKeyIdDeleter {
  void operator()(AUTHORITY_KEYID* p) const noexcept;
};
struct RsaPssParamsDeleter {
  void operator()(RSA_PSS_PARAMS* p) const noexcept;
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using BignumPtr = std::unique_ptr<BIGNUM, BignumDeleter>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using X509NamePtr = std::unique_ptr<X509_NAME, X509NameDeleter>;
using X509PubkeyPtr = std::unique_ptr<X509_PUBKEY, X509PubkeyDeleter>;
using X509AlgorPtr = std::unique_ptr<X509_ALGOR, X509AlgorDeleter>;
using Asn1StringPtr = std::unique_ptr<ASN1_STRING, Asn1StringDeleter>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, BasicConstraintsDeleter>;
using AuthorityKeyIdPtr = std::unique_ptr<AUTHORITY_KEYID, AuthorityKeyIdDeleter>;
using RsaPssParamsPtr = std::unique_ptr<RSA_PSS_PARAMS, RsaPssParamsDeleter>;
template <class T>
using OpensslPtr = std::unique_ptr<T, OpensslMallocDeleter>;

// The first reason on this thread's OpenSSL error queue ("" when empty); clears the queue.
std::string take_error_reason();

// An Error with `message` and the OpenSSL reason, if any; clears the error queue.
Error make_error(ErrorCode code, std::string message);

// Shorthand for `return ossl::fail(...)` in functions returning Result.
inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected(make_error(code, std::move(message)));
}

}  // namespace hallmark::ossl

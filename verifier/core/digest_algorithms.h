// The message digests Hallmark hashes with, each fetched from OpenSSL once per process: the
// one place that names them. Every EVP_DigestInit*, EVP_Digest, signature context and
// RSA-PSS parameter in the verifier and the code that links it takes its EVP_MD from here.
//
// Why: in OpenSSL 3, EVP_sha256() and its kind return legacy handles, and each use of one
// (an EVP_DigestInit, an EVP_Digest, a one-shot SHA256(), which is EVP_Q_digest) fetches the
// provider's implementation again: a locked method-store lookup and allocations, which cost
// more than hashing a few hundred bytes (under the sanitizers, much more). A fetched EVP_MD
// is used directly.
//
// Ownership: each EVP_MD is fetched into a function-local static and deliberately never
// freed (one per algorithm per process; freeing at exit could pull it from under a thread
// still hashing). It stays reachable from that static, so LeakSanitizer does not report
// it. Null only when OpenSSL has no default provider; the callers hand the null to
// OpenSSL, whose init then fails as it would for any missing algorithm, and report it as
// before.
// Thread-safe: the fetch runs under C++'s static initialisation; an EVP_MD is immutable.
#pragma once

#include <openssl/types.h>

namespace hallmark::ossl {

[[nodiscard]] const EVP_MD* sha256_md() noexcept;
[[nodiscard]] const EVP_MD* sha384_md() noexcept;
// Only for RFC 5280 key identifiers (verifier/core/x509_profile.h), never for signatures.
[[nodiscard]] const EVP_MD* sha1_md() noexcept;

}  // namespace hallmark::ossl

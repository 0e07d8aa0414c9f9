#include "verifier/core/sha256.h"

#include <algorithm>

#include <openssl/evp.h>

#include "verifier/core/digest_algorithms.h"
#include "verifier/core/openssl_handles.h"

namespace hallmark::verifier {

Result<Digest> Digest::from_bytes(ByteView bytes) {
  if (bytes.size() != kSize) {
    return fail(ErrorCode::kUsage, "a SHA-256 digest is 32 bytes, got " +
                                       std::to_string(bytes.size()));
  }
  Array a{};
  std::copy(bytes.begin(), bytes.end(), a.begin());
  return Digest(a);
}

Result<Digest> Digest::from_hex(std::string_view hex) {
  if (hex.size() != 2 * kSize) {
    return fail(ErrorCode::kUsage, "a SHA-256 digest is 64 hex digits, got " +
                                       std::to_string(hex.size()) + " characters");
  }
  auto raw = hallmark::from_hex(hex);
  if (!raw) return std::unexpected(std::move(raw).error());
  return from_bytes(*raw);
}

std::string Digest::hex() const { return to_hex(bytes_); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) {
    error_ = ossl::make_error(ErrorCode::kInternal, "SHA-256: cannot allocate a context");
  } else if (EVP_DigestInit_ex2(ctx_.get(), ossl::sha256_md(), nullptr) != 1) {
    error_ = ossl::make_error(ErrorCode::kInternal, "SHA-256: cannot initialise");
  }
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(ByteView data) {
  if (error_) return;
  if (!ctx_) {
    error_ = Error{ErrorCode::kInternal, "SHA-256: update after finish", 0, {}};
    return;
  }
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
    error_ = ossl::make_error(ErrorCode::kInternal, "SHA-256: update failed");
  }
}

Result<Digest> Sha256::finish() {
  if (error_) return std::unexpected(*error_);
  if (!ctx_) return fail(ErrorCode::kInternal, "SHA-256: finish called twice");
  Digest::Array out{};
  unsigned int len = 0;
  const int ok = EVP_DigestFinal_ex(ctx_.get(), reinterpret_cast<unsigned char*>(out.data()),
                                    &len);
  ctx_.reset();
  if (ok != 1 || len != Digest::kSize) {
    return ossl::fail(ErrorCode::kInternal, "SHA-256: finish failed");
  }
  return Digest(out);
}

Result<Digest> Sha256::peek() const {
  if (error_) return std::unexpected(*error_);
  if (!ctx_) return fail(ErrorCode::kInternal, "SHA-256: peek after finish");
  ossl::MdCtxPtr copy(EVP_MD_CTX_new());
  Digest::Array out{};
  unsigned int len = 0;
  if (!copy || EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()) != 1 ||
      EVP_DigestFinal_ex(copy.get(), reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != Digest::kSize) {
    return ossl::fail(ErrorCode::kInternal, "SHA-256: cannot finish a copy of the state");
  }
  return Digest(out);
}

Result<Digest> sha256(ByteView data) {
  Sha256 h;
  h.update(data);
  return h.finish();
}

}  // namespace hallmark::verifier

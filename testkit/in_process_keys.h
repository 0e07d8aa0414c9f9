// In-process keys for every algorithm (OpenSSL, private keys in memory: never a production
// key), a signer that follows the same rules as PublicKey::verify, envelope builders, and a
// temporary directory. For tests and benchmarks only (testkit/CMakeLists.txt): no product
// links it. Failures throw std::runtime_error (a fixture that cannot be made).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/openssl_handles.h"
#include "verifier/core/public_key.h"

namespace hallmark::verifier::testing {

enum class Alg { kP256, kP384, kRsa3072, kEd25519 };
inline constexpr Alg kAllAlgs[] = {Alg::kP256, Alg::kP384, Alg::kRsa3072, Alg::kEd25519};
const char* name(Alg alg);

struct TestKey {
  Alg alg;
  ossl::PkeyPtr priv;
  PublicKey pub;
  std::string private_pem;  // PKCS#8, unencrypted
};

// Cached per (alg, index): RSA key generation is slow.
const TestKey& key(Alg alg, int index = 0);
// Generates a fresh key of any type OpenSSL knows ("RSA" with bits, "EC" with a curve).
ossl::PkeyPtr generate(const char* type, const char* curve_or_null, std::size_t rsa_bits = 0);
std::string public_pem(EVP_PKEY* pkey);
std::string private_pem(EVP_PKEY* pkey);
Bytes spki_der(EVP_PKEY* pkey);

// Signs `message` as Hallmark expects for the key's algorithm; `pss_salt` only for RSA.
Bytes sign(const TestKey& key, ByteView message, int pss_salt = 32);
// Raw OpenSSL signing with an explicit digest and padding (for refusal tests).
Bytes sign_raw(EVP_PKEY* pkey, const EVP_MD* md, ByteView message, int rsa_padding = 0,
               int pss_salt = 0);

// An envelope over payload signed by each key, with each key's id as the hint.
v1::Envelope make_envelope(std::string_view payload_type, std::string_view payload,
                           const std::vector<const TestKey*>& signers);

std::string base64(ByteView data);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, std::string_view content) const;
  [[nodiscard]] std::vector<std::string> entries() const;  // file names, sorted

 private:
  std::filesystem::path path_;
};

std::string read_text(const std::filesystem::path& path);

}  // namespace hallmark::verifier::testing

#include "ceremony/src/kek_shares.h"

#include <cstring>
#include <utility>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

extern "C" {
#include <libgfshare.h>
}

#include "verifier/core/sha256.h"

namespace hallmark::ceremony {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::string_view kShareAad = "hallmark share v1";

// libgfshare draws its polynomial coefficients from this, and gfshare_ctx_free scrubs a
// context with it (a split *and* a combine); its default is NULL.
void fill_random(unsigned char* buffer, unsigned int size) {
  if (RAND_bytes(buffer, static_cast<int>(size)) != 1) std::abort();  // never weak shares
}

struct GfshareFree {
  void operator()(gfshare_ctx* ctx) const noexcept { gfshare_ctx_free(ctx); }
};
using Gfshare = std::unique_ptr<gfshare_ctx, GfshareFree>;

struct CipherFree {
  void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using Cipher = std::unique_ptr<EVP_CIPHER_CTX, CipherFree>;

Bytes aad(ByteView backup_id, const std::string& custodian, uint32_t number) {
  Bytes out = to_bytes(kShareAad);
  out.insert(out.end(), backup_id.begin(), backup_id.end());
  const Bytes name = to_bytes(custodian);
  out.push_back(static_cast<std::byte>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
  out.push_back(static_cast<std::byte>(number));
  return out;
}

Result<SecretBytes> derive_key(const hsm::Pin& passphrase, ByteView salt, uint64_t n,
                               uint32_t r, uint32_t p) {
  SecretBytes key(32);
  const uint64_t maxmem = 129ull * r * n + (1u << 20);
  if (EVP_PBE_scrypt(reinterpret_cast<const char*>(passphrase.data()), passphrase.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), n, r, p,
                     maxmem, key.data(), key.size()) != 1) {
    return fail(ErrorCode::kInternal, "scrypt failed (out of memory?)");
  }
  return key;
}

void add(Bytes& out, std::string_view text) {
  const Bytes b = to_bytes(text);
  out.insert(out.end(), b.begin(), b.end());
}

}  // namespace

SecretBytes::SecretBytes(std::size_t size)
    : bytes_(std::make_unique<unsigned char[]>(size)), size_(size) {}
SecretBytes::~SecretBytes() { wipe(); }
SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : bytes_(std::move(other.bytes_)), size_(std::exchange(other.size_, 0)) {}
SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}
void SecretBytes::wipe() noexcept {
  if (bytes_) OPENSSL_cleanse(bytes_.get(), size_);
}

Result<SecretBytes> new_kek() {
  SecretBytes kek(32);
  if (RAND_bytes(kek.data(), static_cast<int>(kek.size())) != 1) {
    return fail(ErrorCode::kInternal, "no randomness for the key-encryption key");
  }
  return kek;
}

Result<std::vector<Share>> split_secret(const SecretBytes& secret, uint32_t threshold,
                                        uint32_t count) {
  if (threshold < 1 || threshold > count || count > 255) {
    return fail(ErrorCode::kUsage,
                fmt::format("{} of {} shares cannot be made: 1 <= threshold <= custodians "
                            "<= 255",
                            threshold, count));
  }
  gfshare_fill_rand = fill_random;
  std::vector<unsigned char> numbers(count);
  for (uint32_t i = 0; i < count; ++i) numbers[i] = static_cast<unsigned char>(i + 1);
  Gfshare ctx(gfshare_ctx_init_enc(numbers.data(), count, static_cast<unsigned char>(threshold),
                                   static_cast<unsigned int>(secret.size())));
  if (!ctx) return fail(ErrorCode::kInternal, "libgfshare could not start a split");
  SecretBytes copy(secret.size());
  std::memcpy(copy.data(), secret.data(), secret.size());
  gfshare_ctx_enc_setsecret(ctx.get(), copy.data());
  std::vector<Share> shares;
  for (uint32_t i = 0; i < count; ++i) {
    Share share{i + 1, SecretBytes(secret.size())};
    gfshare_ctx_enc_getshare(ctx.get(), static_cast<unsigned char>(i), share.bytes.data());
    shares.push_back(std::move(share));
  }
  return shares;
}

Result<SecretBytes> combine_shares(const std::vector<Share>& shares, std::size_t size) {
  std::vector<unsigned char> numbers;
  for (const auto& s : shares) {
    if (s.number < 1 || s.number > 255 || s.bytes.size() != size) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("share {} is malformed", s.number));
    }
    for (unsigned char n : numbers) {
      if (n == s.number) {
        return fail(ErrorCode::kUsage,
                    fmt::format("share number {} is given twice: each share counts once",
                                s.number));
      }
    }
    numbers.push_back(static_cast<unsigned char>(s.number));
  }
  gfshare_fill_rand = fill_random;
  Gfshare ctx(gfshare_ctx_init_dec(numbers.data(), static_cast<unsigned int>(numbers.size()),
                                   static_cast<unsigned int>(size)));
  if (!ctx) return fail(ErrorCode::kInternal, "libgfshare could not start a combine");
  for (std::size_t i = 0; i < shares.size(); ++i) {
    SecretBytes copy(size);
    std::memcpy(copy.data(), shares[i].bytes.data(), size);
    gfshare_ctx_dec_giveshare(ctx.get(), static_cast<unsigned char>(i), copy.data());
  }
  SecretBytes secret(size);
  gfshare_ctx_dec_extract(ctx.get(), secret.data());
  return secret;
}

Bytes kek_check(ByteView backup_id, const SecretBytes& kek) {
  Bytes input;
  add(input, "hallmark kek check");
  input.insert(input.end(), backup_id.begin(), backup_id.end());
  input.insert(input.end(), kek.view().begin(), kek.view().end());
  auto digest = verifier::sha256(input);
  OPENSSL_cleanse(input.data(), input.size());
  if (!digest) return {};
  const ByteView d = digest->bytes();
  return Bytes(d.begin(), d.end());
}

Bytes share_commitment(ByteView backup_id, const Share& share) {
  Bytes input;
  add(input, "hallmark share");
  input.insert(input.end(), backup_id.begin(), backup_id.end());
  for (int shift = 24; shift >= 0; shift -= 8) {
    input.push_back(static_cast<std::byte>((share.number >> shift) & 0xff));
  }
  input.insert(input.end(), share.bytes.view().begin(), share.bytes.view().end());
  auto digest = verifier::sha256(input);
  OPENSSL_cleanse(input.data(), input.size());
  if (!digest) return {};
  const ByteView d = digest->bytes();
  return Bytes(d.begin(), d.end());
}

Result<v1::BackupShare> seal_share(const Share& share, ByteView backup_id,
                                   const std::string& custodian, const hsm::Pin& passphrase) {
  if (passphrase.size() < kMinPassphraseLength) {
    return fail(ErrorCode::kUsage,
                fmt::format("the passphrase for {}'s share is shorter than {} characters: "
                            "choose a longer one (it is all that protects the share file)",
                            custodian, kMinPassphraseLength));
  }
  unsigned char salt[kSaltBytes];
  unsigned char nonce[kNonceBytes];
  if (RAND_bytes(salt, sizeof salt) != 1 || RAND_bytes(nonce, sizeof nonce) != 1) {
    return fail(ErrorCode::kInternal, "no randomness for the share's salt");
  }
  const ByteView salt_view(reinterpret_cast<const std::byte*>(salt), sizeof salt);
  auto key = derive_key(passphrase, salt_view, kScryptN, kScryptR, kScryptP);
  if (!key) return std::unexpected(key.error());
  const Bytes associated = aad(backup_id, custodian, share.number);
  Cipher ctx(EVP_CIPHER_CTX_new());
  std::string sealed(share.bytes.size() + kTagBytes, '\0');
  int len = 0;
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key->data(), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(associated.data()),
                        static_cast<int>(associated.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out, &len, share.bytes.data(),
                        static_cast<int>(share.bytes.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                          out + share.bytes.size()) != 1) {
    return fail(ErrorCode::kInternal, "AES-256-GCM failed sealing a share");
  }
  v1::BackupShare file;
  file.set_backup_id(std::string(reinterpret_cast<const char*>(backup_id.data()),
                                 backup_id.size()));
  file.set_custodian(custodian);
  file.set_share_number(share.number);
  file.set_salt(std::string(reinterpret_cast<const char*>(salt), sizeof salt));
  file.set_scrypt_n(kScryptN);
  file.set_scrypt_r(kScryptR);
  file.set_scrypt_p(kScryptP);
  file.set_nonce(std::string(reinterpret_cast<const char*>(nonce), sizeof nonce));
  file.set_sealed(std::move(sealed));
  return file;
}

Result<Share> open_share(const v1::BackupShare& file, const hsm::Pin& passphrase) {
  const std::string who = fmt::format("{}'s share (number {})", file.custodian(),
                                      file.share_number());
  if (file.scrypt_n() < 2 || file.scrypt_n() > kMaxScryptN ||
      (file.scrypt_n() & (file.scrypt_n() - 1)) != 0 || file.scrypt_r() == 0 ||
      file.scrypt_r() > 32 || file.scrypt_p() == 0 || file.scrypt_p() > 4 ||
      file.nonce().size() != kNonceBytes || file.salt().size() != kSaltBytes ||
      file.sealed().size() <= kTagBytes || file.sealed().size() > 64 + kTagBytes ||
      file.share_number() < 1 || file.share_number() > 255) {
    return fail(ErrorCode::kVerificationFailed,
                who + " is malformed (its sealing parameters are out of range): use the share "
                      "file the backup ceremony wrote");
  }
  auto key = derive_key(passphrase, as_bytes(file.salt()), file.scrypt_n(), file.scrypt_r(),
                        file.scrypt_p());
  if (!key) return std::unexpected(key.error());
  const Bytes associated = aad(as_bytes(file.backup_id()), file.custodian(), file.share_number());
  const std::size_t size = file.sealed().size() - kTagBytes;
  Share share{file.share_number(), SecretBytes(size)};
  const auto* in = reinterpret_cast<const unsigned char*>(file.sealed().data());
  std::string tag = file.sealed().substr(size);
  Cipher ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  const bool ok =
      ctx &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key->data(),
                         reinterpret_cast<const unsigned char*>(file.nonce().data())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(associated.data()),
                        static_cast<int>(associated.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), share.bytes.data(), &len, in, static_cast<int>(size)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                          tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), share.bytes.data() + len, &len) == 1;
  if (!ok) {
    return fail(ErrorCode::kVerificationFailed,
                who + " does not open: the passphrase is wrong or the file was altered (nothing "
                      "was imported); ask the custodian to type it again, or bring an intact "
                      "copy of the share file");
  }
  return share;
}

}  // namespace hallmark::ceremony

// The backup key-encryption key (KEK) and its custodian shares.
//
// SecretBytes owns secret bytes and wipes them (OPENSSL_cleanse) when destroyed. The KEK is
// 32 random bytes (RAND_bytes) split t-of-n with libgfshare (Shamir in GF(256): fewer than t
// shares say nothing about it); combine() rebuilds it from t shares, and the caller checks
// the result against the manifest's kek_check before using it (libgfshare returns garbage,
// not an error, for too few or wrong shares).
//
// A share leaves this process only sealed for its custodian: seal_share() derives an
// AES-256-GCM key from the custodian's passphrase with scrypt (N = 2^15, r = 8, p = 1; about
// 32 MiB and 0.1 s a guess here) and binds backup id, custodian and share number as
// associated data; open_share() refuses a wrong passphrase or any altered byte. Never logs
// or returns a secret except as SecretBytes. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hallmark/backup.pb.h"
#include "hsm-profiles/src/pin.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"

namespace hallmark::ceremony {

inline constexpr std::size_t kMinPassphraseLength = 12;
inline constexpr uint64_t kScryptN = 1u << 15;
inline constexpr uint32_t kScryptR = 8;
inline constexpr uint32_t kScryptP = 1;
// The largest scrypt cost a share file may ask for (a forged file cannot make a restore
// allocate more than 128 MiB).
inline constexpr uint64_t kMaxScryptN = 1u << 17;

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size);
  ~SecretBytes();
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  unsigned char* data() noexcept { return bytes_.get(); }
  const unsigned char* data() const noexcept { return bytes_.get(); }
  std::size_t size() const noexcept { return size_; }
  ByteView view() const noexcept {
    return {reinterpret_cast<const std::byte*>(bytes_.get()), size_};
  }

 private:
  void wipe() noexcept;
  std::unique_ptr<unsigned char[]> bytes_;
  std::size_t size_ = 0;
};

// 32 random bytes.
Result<SecretBytes> new_kek();

struct Share {
  uint32_t number = 0;  // x-coordinate, 1..255
  SecretBytes bytes;    // as long as the secret
};

// `count` shares of `secret`, numbered 1..count, any `threshold` of which rebuild it.
Result<std::vector<Share>> split_secret(const SecretBytes& secret, uint32_t threshold,
                                        uint32_t count);
// The secret from `shares` (distinct numbers, all as long as `size`).
Result<SecretBytes> combine_shares(const std::vector<Share>& shares, std::size_t size);

// SHA-256("hallmark kek check" | backup_id | kek).
Bytes kek_check(ByteView backup_id, const SecretBytes& kek);
// SHA-256("hallmark share" | backup_id | number (4 bytes, big-endian) | share).
Bytes share_commitment(ByteView backup_id, const Share& share);

// `share` sealed for `custodian` under `passphrase` (refused when shorter than
// kMinPassphraseLength).
Result<v1::BackupShare> seal_share(const Share& share, ByteView backup_id,
                                   const std::string& custodian, const hsm::Pin& passphrase);
// The share inside `sealed`; kVerificationFailed for a wrong passphrase or an altered file.
Result<Share> open_share(const v1::BackupShare& sealed, const hsm::Pin& passphrase);

}  // namespace hallmark::ceremony

// Moving a role key between tokens wrapped, never in the clear: the PKCS#11 half of a quorum
// backup (ceremony/src/backup_ceremony.h).
//
// A WrappingKey is an AES-256 *session* object made from key-encryption-key bytes the caller
// holds in wiped memory: for a backup it is marked CKA_TRUSTED (only the token's security
// officer may set that, so the session must be logged in as SO when it is made) and may only
// wrap; for a restore it may only unwrap. It is destroyed when the WrappingKey is, and the
// token drops it anyway when the session closes. wrap_key() uses CKM_AES_KEY_WRAP_PAD
// (RFC 5649), so a key with CKA_WRAP_WITH_TRUSTED leaves the token only under a trusted
// key — the token enforces it. unwrap_private_key() imports with generate_key's template
// (keygen.h) and backup=true. CreatedObjects destroys what a failed restore imported.
// Never reads private key material. Thread-safety: as the Session.
#pragma once

#include <vector>

#include <p11-kit/pkcs11.h>

#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/session.h"
#include "verifier/core/bytes.h"
#include "verifier/core/public_key.h"

namespace hallmark::hsm {

inline constexpr std::size_t kKekBytes = 32;

class WrappingKey {
 public:
  enum class Use { kWrapTrusted, kUnwrap };
  // `kek` must be kKekBytes long.
  static Result<WrappingKey> create(Session& session, ByteView kek, Use use);
  ~WrappingKey();
  WrappingKey(WrappingKey&& other) noexcept;
  WrappingKey& operator=(WrappingKey&&) = delete;
  WrappingKey(const WrappingKey&) = delete;
  WrappingKey& operator=(const WrappingKey&) = delete;

  CK_OBJECT_HANDLE handle() const noexcept { return handle_; }

 private:
  WrappingKey(Session& session, CK_OBJECT_HANDLE handle) : session_(&session), handle_(handle) {}
  Session* session_;
  CK_OBJECT_HANDLE handle_;
};

// C_WrapKey(CKM_AES_KEY_WRAP_PAD) of `key` under `kek` (both on `session`'s token).
Result<Bytes> wrap_key(Session& session, const WrappingKey& kek, CK_OBJECT_HANDLE key,
                       std::string_view what);

// Objects a restore created, destroyed on destruction unless commit() was called.
class CreatedObjects {
 public:
  explicit CreatedObjects(Session& session) : session_(&session) {}
  ~CreatedObjects();
  CreatedObjects(const CreatedObjects&) = delete;
  CreatedObjects& operator=(const CreatedObjects&) = delete;
  void add(CK_OBJECT_HANDLE handle) { handles_.push_back(handle); }
  void commit() noexcept { handles_.clear(); }

 private:
  Session* session_;
  std::vector<CK_OBJECT_HANDLE> handles_;
};

// C_UnwrapKey of `wrapped` into a token private key made with private_key_template(spec)
// (spec.backup should be true, so the restored key can be backed up again), recorded in
// `created`.
Result<CK_OBJECT_HANDLE> unwrap_private_key(Session& session, const WrappingKey& kek,
                                            ByteView wrapped, const KeySpec& spec, ByteView id,
                                            CreatedObjects& created);

// A verify-only token public key object for `key` (EC or Ed25519) with `label` and `id`, as
// generate_key makes the public half; recorded in `created`.
Result<CK_OBJECT_HANDLE> create_public_key(Session& session, const verifier::PublicKey& key,
                                           std::string_view label, ByteView id,
                                           CreatedObjects& created);

}  // namespace hallmark::hsm

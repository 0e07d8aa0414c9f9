// TrustedRoot: the trust root chain as a verifier holds it. It cannot exist without a
// verified anchor; every later version, revocation and role signature is checked against
// it, at a reference time the caller fixes. Only load_trust() (trust.h) makes one: it has
// no public constructor and no public mutator, so every verified root went through the
// whole check (pin, chain, revocations, reference time). Pure: bytes in, verdict out (no
// PKCS#11, no files, no clock reads). Thread-safe for const use.
//
// Rules (docs/formats.md, trust root):
// - a role threshold counts identities, not signatures: a key counts once however many
//   signatures it made, and a custodian counts once however many of their keys signed;
// - key ids are hints, never decisions; revoked keys and custodians never count;
// - version N+1 must name version N's payload digest and be signed by a threshold of N's
//   root role AND of N+1's root role; no skipped versions, no rollback;
// - N+1 must be issued while N was valid; the newest version must not be expired.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "hallmark/trust.pb.h"
#include "verifier/core/dsse.h"
#include "verifier/core/error.h"
#include "verifier/core/ids.h"
#include "verifier/core/public_key.h"
#include "verifier/core/sha256.h"

namespace hallmark::verifier {

inline constexpr std::string_view kTrustRootType = "trust-root";
inline constexpr std::string_view kRevocationType = "revocation";

// Which signatures of an envelope count for a role, by identity.
struct Quorum {
  std::vector<std::string> key_ids;     // distinct keys that verified and hold the role
  std::vector<std::string> identities;  // custodian names, or key ids for non-custodian keys
  uint32_t threshold = 0;
};

// Verifies `envelope` (payload type payload_type_of(type_name)) against the keys of `role`
// in `root`, counting identities; `revoked_keys` / `revoked_custodians` never count.
Result<std::pair<VerifiedPayload, Quorum>> verify_role_quorum(
    const v1::Envelope& envelope, const v1::TrustRoot& root, v1::Role role,
    std::string_view type_name, const std::set<std::string>& revoked_keys = {},
    const std::set<std::string>& revoked_custodians = {});

// Structural checks of a TrustRoot: every role key listed in keys, thresholds reachable
// (threshold <= distinct identities holding the role), custodian key ids known, key ids
// equal to SHA-256 of their SPKI, version >= 1, issued < expires.
Result<void> check_trust_root_shape(const v1::TrustRoot& root);

// "from 2026-12-06 07:00:00 UTC", or for 0 "from the beginning (a revocation without an
// effective time)": how every screen and message names when a revocation takes effect.
std::string revoked_since_text(std::int64_t effective_unix);

class Trust;
struct TrustInputs;
struct TrustedRootTestAccess;  // defined only by the unit tests of these rules

class TrustedRoot {
 public:
  // The newest version is valid at `now_unix` (issued <= now < expires).
  Result<void> check_fresh(int64_t now_unix) const;

  const v1::TrustRoot& current() const noexcept { return current_; }
  const Digest& current_digest() const noexcept { return digest_; }
  uint64_t version() const noexcept { return current_.version(); }

  // The public key with this id in the current version (revoked keys are not returned).
  Result<PublicKey> key(std::string_view key_id) const;
  // Public keys of a role in the current version, revoked ones left out.
  std::vector<PublicKey> role_keys(v1::Role role) const;

  // verify_role_quorum against the current version with revocations applied.
  Result<std::pair<VerifiedPayload, Quorum>> verify(const v1::Envelope& envelope,
                                                    v1::Role role,
                                                    std::string_view type_name) const;

  // Revoked at all: for anything done now (signing, approving, programming, countersigning)
  // a revocation takes force the moment it is loaded, whatever its effective time.
  bool key_revoked(std::string_view key_id) const;
  bool custodian_revoked(std::string_view name) const;
  bool station_revoked(const StationId& station_id) const;
  bool bundle_revoked(ByteView bundle_digest) const;

  // For judging evidence: the earliest effective time among the revocations naming this
  // station (or key, directly or through its custodian), with that revocation's reason;
  // none when not revoked. Evidence the signer countersigned strictly before it stands
  // (docs/design.md, "Revocations").
  struct RevokedFrom {
    std::int64_t effective_unix = 0;  // 0: from the beginning (a revocation without one)
    std::string reason;
  };
  std::optional<RevokedFrom> station_revoked_from(const StationId& station_id) const;
  std::optional<RevokedFrom> key_revoked_from(std::string_view key_id) const;

 private:
  friend Result<Trust> load_trust(TrustInputs inputs);
  friend struct TrustedRootTestAccess;

  // The anchor (normally version 1): signed by a threshold of its own root role. With
  // `pinned_digest`, its payload's SHA-256 must equal it.
  static Result<TrustedRoot> from_anchor(const v1::Envelope& anchor,
                                         const std::optional<Digest>& pinned_digest);
  // Accepts version N+1 (see rules above); on error nothing changes.
  Result<void> update(const v1::Envelope& next);
  // A Revocation signed by a root quorum of the current version (and naming a version
  // <= current); from then on its keys, custodians, stations and bundles are refused.
  // The parsed revocation.
  Result<v1::Revocation> add_revocation(const v1::Envelope& revocation);

  TrustedRoot(v1::TrustRoot root, Digest digest);

  v1::TrustRoot current_;
  Digest digest_;
  std::set<std::string> revoked_keys_;
  std::set<std::string> revoked_custodians_;
  std::set<std::string> revoked_stations_;
  std::set<std::string> revoked_bundles_;  // hex
  // Earliest effective time per revoked key id, custodian and station.
  std::map<std::string, RevokedFrom> key_from_;
  std::map<std::string, RevokedFrom> custodian_from_;
  std::map<std::string, RevokedFrom> station_from_;
};

}  // namespace hallmark::verifier

// load_trust(): the one way to trust a trust root. Every component — hallmark-verify, the
// signer, the ceremonies and the station — hands it the same four things and gets back a
// Trust, and a Trust is the only place a usable TrustedRoot comes from (TrustedRoot has no
// public constructor and no public mutator). So no caller can walk a chain and forget the
// revocations, the reference time or the anchor's pin.
//
// load_trust() checks, in this order: the anchor (v1) is pinned as `anchor` says (its
// payload SHA-256 equals the pinned digest) and signed by a threshold of its own root role;
// every later version is accepted by TrustedRoot's rotation rules (trusted_root.h); every
// revocation is signed by a root quorum of the newest version and names a version no later
// than it, and takes force; the newest version is valid at `now_unix`. Every refusal names
// the document (its `name`) and the rule. Pure: envelopes in, verdict out (no files, no
// tokens, no clock). A Trust is an immutable value; thread-safe for const use.
//
// To trust more (a newer version carried in a bundle, a revocation being installed), copy
// inputs(), append, and call load_trust() again: the whole check runs once more.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hallmark/dsse.pb.h"
#include "hallmark/trust.pb.h"
#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/sha256.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::verifier {

// How the anchor (the chain's first version) is trusted.
class AnchorPin {
 public:
  // Its payload SHA-256 must equal `digest`: obtained out of band (an auditor, read aloud at
  // the init ceremony) or pinned once at enrollment (a station).
  [[nodiscard]] static AnchorPin digest(const Digest& digest) { return AnchorPin(digest); }
  // The signing host's own trust root: the anchor was written by the init ceremony on this
  // air-gapped host and is read from its own disk. Never for an auditor or a station.
  [[nodiscard]] static AnchorPin signing_host() { return AnchorPin(std::nullopt); }

  [[nodiscard]] const std::optional<Digest>& pinned() const noexcept { return digest_; }

 private:
  explicit AnchorPin(std::optional<Digest> digest) : digest_(digest) {}
  std::optional<Digest> digest_;
};

// A trust root version or a revocation, with the name errors give it (a file name).
struct TrustDocument {
  std::string name;
  v1::Envelope envelope;
};

struct TrustInputs {
  std::vector<TrustDocument> chain;        // anchor first: v1, v2, ... vN
  std::vector<TrustDocument> revocations;  // applied after the whole chain
  AnchorPin anchor = AnchorPin::signing_host();
  std::int64_t now_unix = 0;               // the reference time: vN must be valid then
};

// A revocation in force: where it came from, its payload digest and what it revokes.
struct AppliedRevocation {
  std::string name;
  Digest digest;  // SHA-256 of its payload: how the station journal and messages name it
  v1::Revocation revocation;
  v1::Envelope envelope;
};

class Trust {
 public:
  [[nodiscard]] const TrustedRoot& root() const noexcept { return root_; }
  // SHA-256 of the anchor's payload, pinned or not: every verdict names it.
  [[nodiscard]] const Digest& anchor_digest() const noexcept { return anchor_digest_; }
  [[nodiscard]] bool anchor_pinned() const noexcept { return inputs_.anchor.pinned().has_value(); }
  [[nodiscard]] std::int64_t now_unix() const noexcept { return inputs_.now_unix; }
  [[nodiscard]] const std::vector<AppliedRevocation>& revocations() const noexcept {
    return revocations_;
  }
  // What this Trust was loaded from (copy, append, load_trust() again to trust more).
  [[nodiscard]] const TrustInputs& inputs() const noexcept { return inputs_; }

  // kPolicyRefused naming what is revoked and by which revocation (name, payload SHA-256,
  // reason); success when it is not revoked.
  [[nodiscard]] Result<void> refuse_revoked_bundle(ByteView bundle_digest) const;
  // A key, directly or through its custodian; `what` says what the key is for ("device-CA").
  [[nodiscard]] Result<void> refuse_revoked_key(std::string_view key_id,
                                                std::string_view what) const;
  [[nodiscard]] Result<void> refuse_revoked_station(const StationId& station_id) const;

 private:
  friend Result<Trust> load_trust(TrustInputs inputs);
  Trust(TrustedRoot root, Digest anchor_digest, TrustInputs inputs)
      : root_(std::move(root)), anchor_digest_(anchor_digest), inputs_(std::move(inputs)) {}

  TrustedRoot root_;
  Digest anchor_digest_;
  TrustInputs inputs_;
  std::vector<AppliedRevocation> revocations_;
};

[[nodiscard]] Result<Trust> load_trust(TrustInputs inputs);

// The digest an anchor would be pinned by (SHA-256 of its payload), for messages that tell
// an auditor what to compare out of band. Does not verify anything.
[[nodiscard]] Result<Digest> anchor_digest_of(const v1::Envelope& anchor);

}  // namespace hallmark::verifier

// SignerHsm: the signer HSM as a ceremony uses it — log in with the signer PIN, generate
// the release, evidence and manufacturing-CA keys inside it (never exportable; a label
// already present is refused, so init never adopts a key of unknown origin), find a key by
// the key id a trust root names, and sign with it.
//
// SignerHsm is also the guard of the keys it generates: unless the ceremony commits them
// (keep_generated, once its document is written), they are destroyed again — by
// discard_generated() on a refusal (so the transcript records it), and in any case by the
// destructor — so a rerun starts clean and no key of a failed ceremony survives to be
// trusted by accident, whatever path the ceremony took out.
// Every step goes into the transcript. Holds key handles only. Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ceremony/src/ceremony_ui.h"
#include "ceremony/src/token_login.h"
#include "ceremony/src/transcript_recorder.h"
#include "hallmark/backup.pb.h"
#include "hallmark/ceremony.pb.h"
#include "hsm-profiles/src/key_wrap.h"
#include "hsm-profiles/src/token_key.h"
#include "hsm-profiles/profile/production_signer.h"
#include "hsm-profiles/src/token_signer.h"

namespace hallmark::ceremony {

inline constexpr std::string_view kSignerActor = "signer HSM";

class SignerHsm {
 public:
  static Result<std::unique_ptr<SignerHsm>> open(const v1::PlanHsm& plan, CeremonyUi& ui,
                                                 TranscriptRecorder& transcript);
  ~SignerHsm();
  SignerHsm(const SignerHsm&) = delete;
  SignerHsm& operator=(const SignerHsm&) = delete;

  // Refuses (kPolicyRefused) when an object labelled any of `labels` is on the HSM already:
  // a ceremony never adopts a key of unknown origin.
  Result<void> check_labels_free(const std::vector<std::string>& labels);
  // Generates `spec` for `role` ("release", ...) and checks its provenance.
  Result<hsm::TokenKey> generate(const v1::PlanKey& spec, std::string_view role);
  // The private key whose public key has id `key_id`, provenance checked.
  Result<hsm::TokenKey> find(std::string_view key_id, std::string_view role);
  // A production signer for `key` (which must come from this HSM) in `role`: the
  // provenance rule is applied again by hsm::ProductionSigner::create().
  Result<hsm::ProductionSigner> signer(const hsm::TokenKey& key, hsm::ProductionRole role);

  // Refuses (kPolicyRefused) unless the HSM holds no private key at all: a restore goes
  // into a fresh, empty token, never next to keys of unknown origin.
  Result<void> check_empty();
  // `key` (found here) wrapped under `kek` (a trusted wrapping key on this token).
  Result<Bytes> wrap(const hsm::TokenKey& key, const hsm::WrappingKey& kek, std::string_view role);
  // An unwrap-only session key from `kek_bytes` on this token.
  Result<hsm::WrappingKey> unwrapping_key(ByteView kek_bytes);
  // Imports `wrapped` (private half under `kek`, public half from its public key) with the
  // label and CKA_ID it had, checks the key id equals `expected_key_id` and that the
  // private key signs for that public key (a challenge signed and verified), and records
  // both objects in `created`.
  Result<hsm::TokenKey> restore(const hsm::WrappingKey& kek, const v1::WrappedKey& wrapped,
                                std::string_view role, hsm::CreatedObjects& created);
  hsm::Session& session() noexcept { return token_.session; }

  // Destroys every key generated through this object and not kept (a refused ceremony);
  // the destructor calls it too.
  void discard_generated() noexcept;
  // Commits what was generated (the ceremony's document was written): the destructor
  // then leaves those keys in place.
  void keep_generated() noexcept { generated_.clear(); }

  const v1::TokenInfo& token() const noexcept { return token_.info; }

 private:
  SignerHsm(PlannedToken token, CeremonyUi& ui, TranscriptRecorder& transcript);
  Result<void> check_provenance(const hsm::TokenKey& key, std::string_view role);

  PlannedToken token_;
  CeremonyUi* ui_;
  TranscriptRecorder* transcript_;
  std::vector<hsm::TokenKey> generated_;
};

}  // namespace hallmark::ceremony

#include "ceremony/src/backup_ceremony.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <fmt/format.h>

#include "ceremony/src/ceremony_run.h"
#include "ceremony/src/kek_shares.h"
#include "ceremony/src/signer_hsm.h"
#include "ceremony/src/token_login.h"
#include "ceremony/src/trust_root_builder.h"
#include "verifier/core/document.h"
#include "verifier/core/sha256.h"

namespace hallmark::ceremony {
namespace {

const std::string kActor(kCeremonyActor);
constexpr std::size_t kBackupIdBytes = 16;

struct BackedUpKey {
  const v1::PlanKey* plan;
  v1::Role role;
  const char* name;
};

std::string hex_of(ByteView bytes) { return to_hex(bytes); }

// Logs the security officer in on a session of its own, makes the trusted wrap-only KEK
// there and logs out again; the session (and so the key) lives as long as `token`.
Result<hsm::WrappingKey> trusted_kek(PlannedToken& token, const SecretBytes& kek,
                                     CeremonyUi& ui, TranscriptRecorder& transcript) {
  PinRequest request;
  request.holder = PinRequest::Holder::kSignerHsmSo;
  request.name = "signer HSM SO";
  request.token_label = token.info.label();
  request.purpose = "mark the backup's key-encryption key trusted (it lives only in this "
                    "session)";
  if (auto state = token.session.pin_state()) request.state = *state;
  auto pin = ui.ask_pin(request);
  if (!pin) return std::unexpected(pin.error());
  if (auto ok = token.session.login_so(*pin); !ok) {
    transcript.failed("security-officer", std::string(kSignerActor),
                      "SO login refused: " + ok.error().message, &token.info);
    return std::unexpected(ok.error().context("signer HSM security officer"));
  }
  auto key = hsm::WrappingKey::create(token.session, kek.view(),
                                      hsm::WrappingKey::Use::kWrapTrusted);
  token.session.logout();
  if (!key) {
    transcript.failed("security-officer", std::string(kSignerActor), key.error().message,
                      &token.info);
    return key;
  }
  transcript.ok("security-officer", std::string(kSignerActor),
                "the security officer made a trusted, wrap-only session key from a fresh "
                "random key-encryption key; logged out",
                &token.info);
  return key;
}


using KeysToBackUp = std::vector<std::pair<BackedUpKey, v1::PublicKey>>;

// The signer keys the plan backs up (backup: true), with their public keys in `root`; each
// choice recorded. kUsage when the plan backs up none.
Result<KeysToBackUp> keys_to_back_up(const v1::CeremonyPlan& plan, const v1::TrustRoot& root,
                                     TranscriptRecorder& transcript) {
  const BackedUpKey all[] = {{&plan.release_key(), v1::RELEASE, "release"},
                             {&plan.evidence_key(), v1::EVIDENCE, "evidence"},
                             {&plan.manufacturing_ca_key(), v1::MANUFACTURING_CA,
                              "manufacturing CA"}};
  KeysToBackUp keys;
  for (const auto& k : all) {
    if (!k.plan->backup()) {
      transcript.ok("key-choice", kActor,
                    fmt::format("{} key '{}' is not backed up (the plan keeps it never "
                                "extractable)",
                                k.name, k.plan->label()));
      continue;
    }
    auto key = role_key(root, k.role);
    if (!key) return std::unexpected(key.error());
    keys.emplace_back(k, *key);
    transcript.ok("key-choice", kActor,
                  fmt::format("{} key {} (trust root v{}) is backed up", k.name, key->key_id(),
                              root.version()));
  }
  if (keys.empty()) {
    return std::unexpected(Error{ErrorCode::kUsage,
                                 "the plan backs up no key: add backup: true to the release_key "
                                 "(and any other signer key) entry the keys were generated with",
                                 0,
                                 {}});
  }
  return keys;
}

// A manifest with a fresh random backup id (also in `backup_id`), naming the trust root,
// the time, the threshold and the source token; no keys or shares yet.
Result<v1::BackupManifest> new_manifest(const verifier::TrustedRoot& trusted, int64_t now,
                                        uint32_t threshold, const v1::TokenInfo& source,
                                        Bytes& backup_id) {
  v1::BackupManifest manifest;
  backup_id.assign(kBackupIdBytes, std::byte{0});
  if (RAND_bytes(reinterpret_cast<unsigned char*>(backup_id.data()),
                 static_cast<int>(backup_id.size())) != 1) {
    return std::unexpected(Error{ErrorCode::kInternal, "no randomness for the backup id", 0, {}});
  }
  manifest.set_backup_id(std::string(reinterpret_cast<const char*>(backup_id.data()),
                                     backup_id.size()));
  manifest.set_trust_root_version(trusted.current().version());
  const ByteView digest = trusted.current_digest().bytes();
  manifest.set_trust_root_digest(std::string(reinterpret_cast<const char*>(digest.data()),
                                             digest.size()));
  manifest.set_created_unix(now);
  manifest.set_threshold(threshold);
  *manifest.mutable_source_token() = source;
  return manifest;
}

// Each key wrapped inside the signer HSM under the trusted KEK, into the manifest.
Result<void> wrap_keys(SignerHsm& signer_hsm, const hsm::WrappingKey& wrapping,
                       const KeysToBackUp& keys, v1::BackupManifest& manifest) {
  for (const auto& [k, public_key] : keys) {
    auto key = signer_hsm.find(public_key.key_id(), k.name);
    if (!key) return std::unexpected(key.error());
    auto wrapped = signer_hsm.wrap(*key, wrapping, k.name);
    if (!wrapped) return std::unexpected(wrapped.error());
    v1::WrappedKey* out = manifest.add_keys();
    out->set_role(k.role);
    out->set_label(key->label());
    out->set_ckaid(std::string(reinterpret_cast<const char*>(key->id().data()), key->id().size()));
    *out->mutable_public_key() = public_key;
    out->set_wrapped(std::string(reinterpret_cast<const char*>(wrapped->data()), wrapped->size()));
  }
  return {};
}

// The manifest of this backup: new_manifest() with each key wrapped in it.
Result<v1::BackupManifest> manifest_of_wrapped_keys(const verifier::TrustedRoot& trusted,
                                                    int64_t now, uint32_t threshold,
                                                    SignerHsm& signer_hsm,
                                                    const hsm::WrappingKey& wrapping,
                                                    const KeysToBackUp& keys, Bytes& backup_id) {
  auto manifest = new_manifest(trusted, now, threshold, signer_hsm.token(), backup_id);
  if (!manifest) return manifest;
  if (auto ok = wrap_keys(signer_hsm, wrapping, keys, *manifest); !ok) {
    return std::unexpected(ok.error());
  }
  return manifest;
}

// `share` sealed under a passphrase `name` types twice (a typo would lose the share for
// good), its commitment in the manifest; recorded.
Result<v1::BackupShare> seal_one_share(const Share& share, const std::string& name,
                                       uint32_t count, ByteView backup_id, CeremonyUi& ui,
                                       TranscriptRecorder& transcript,
                                       v1::BackupManifest& manifest) {
  PinRequest request;
  request.holder = PinRequest::Holder::kSharePassphrase;
  request.name = name;
  request.purpose = fmt::format("seal share {} of {} (at least {} characters; you will need "
                                "it to restore)",
                                share.number, count, kMinPassphraseLength);
  auto passphrase = ui.ask_pin(request);
  if (!passphrase) return std::unexpected(passphrase.error());
  // A typo here would lose the share for good: the custodian types it twice.
  request.purpose = fmt::format("confirm the passphrase of share {}", share.number);
  auto again = ui.ask_pin(request);
  if (!again) return std::unexpected(again.error());
  if (again->size() != passphrase->size() ||
      CRYPTO_memcmp(again->data(), passphrase->data(), passphrase->size()) != 0) {
    const std::string detail = fmt::format(
        "{} typed two different passphrases for share {}: nothing was written; run the "
        "backup again",
        name, share.number);
    transcript.failed("share", name, detail);
    return std::unexpected(Error{ErrorCode::kUsage, detail, 0, {}});
  }
  auto sealed = seal_share(share, backup_id, name, *passphrase);
  if (!sealed) {
    transcript.failed("share", name, sealed.error().message);
    return std::unexpected(sealed.error());
  }
  v1::BackupShareRecord* record = manifest.add_shares();
  record->set_custodian(name);
  record->set_share_number(share.number);
  const Bytes commitment = share_commitment(backup_id, share);
  record->set_share_commitment(
      std::string(reinterpret_cast<const char*>(commitment.data()), commitment.size()));
  transcript.ok("share", name,
                fmt::format("share {} of {} sealed under {}'s passphrase (commitment {})",
                            share.number, count, name, hex_of(commitment)));
  return sealed;
}

// The first `threshold` shares must rebuild the KEK (libgfshare returns garbage, not an
// error, when they do not); recorded.
Result<void> check_shares_rebuild(const std::vector<Share>& shares, uint32_t threshold,
                                  const SecretBytes& kek, ByteView backup_id, const Bytes& check,
                                  TranscriptRecorder& transcript) {
  std::vector<Share> first;
  for (uint32_t i = 0; i < threshold; ++i) {
    SecretBytes copy(shares[i].bytes.size());
    std::copy_n(shares[i].bytes.data(), copy.size(), copy.data());
    first.push_back({shares[i].number, std::move(copy)});
  }
  auto rebuilt = combine_shares(first, kek.size());
  if (!rebuilt || kek_check(backup_id, *rebuilt) != check) {
    return std::unexpected(Error{ErrorCode::kInternal,
                                 "the shares do not rebuild the key-encryption key (libgfshare): "
                                 "nothing was written",
                                 0,
                                 {}});
  }
  transcript.ok("shares", kActor,
                fmt::format("shares 1..{} rebuild the key-encryption key (check {})",
                            threshold, hex_of(check)));
  return {};
}

// The KEK split into one share per custodian present (any `threshold` restore), each
// sealed for its custodian; the KEK check in the manifest once the shares are known to
// rebuild it.
Result<std::vector<v1::BackupShare>> split_and_seal(const SecretBytes& kek, uint32_t threshold,
                                                    const std::vector<std::string>& present,
                                                    ByteView backup_id, CeremonyUi& ui,
                                                    TranscriptRecorder& transcript,
                                                    v1::BackupManifest& manifest) {
  const auto count = static_cast<uint32_t>(present.size());
  auto shares = split_secret(kek, threshold, count);
  if (!shares) return std::unexpected(shares.error());
  std::vector<v1::BackupShare> sealed_shares;
  for (std::size_t i = 0; i < shares->size(); ++i) {
    auto sealed = seal_one_share((*shares)[i], present[i], count, backup_id, ui, transcript,
                                 manifest);
    if (!sealed) return std::unexpected(sealed.error());
    sealed_shares.push_back(std::move(*sealed));
  }
  const Bytes check = kek_check(backup_id, kek);
  manifest.set_kek_check(std::string(reinterpret_cast<const char*>(check.data()), check.size()));
  if (auto ok = check_shares_rebuild(*shares, threshold, kek, backup_id, check, transcript);
      !ok) {
    return std::unexpected(ok.error());
  }
  return sealed_shares;
}

// What the custodians see before they sign the manifest.
std::string manifest_summary(const v1::BackupManifest& manifest, const v1::TrustRoot& root,
                             const std::vector<std::string>& present, uint32_t threshold,
                             uint32_t count) {
  std::string summary = fmt::format(
      "Backup of the signer HSM's keys (trust root v{}): ", root.version());
  for (const auto& key : manifest.keys()) {
    summary += fmt::format("\n  {} key {}", v1::Role_Name(key.role()), key.public_key().key_id());
  }
  summary += fmt::format("\n  shares for {}; any {} of {} restore", join_names(present),
                         threshold, count);
  return summary;
}

}  // namespace

BackupOutcome run_backup(const BackupInput& in, CeremonyContext& context) {
  const v1::CeremonyPlan& plan = in.plan->plan;
  CeremonyRun run("backup", in.plan->digest.hex(), context);
  CeremonyUi& ui = run.ui();
  TranscriptRecorder& transcript = run.transcript();
  BackupOutcome result;
  auto refuse = [&](Error error, std::span<const v1::PlanCustodian* const> fallback = {}) {
    result.outcome = run.refuse(std::move(error), fallback);
    result.shares.clear();
    return std::move(result);
  };

  auto trust = open_root_trust(run, *in.plan, in.chain, in.revocations);
  if (!trust) return refuse(trust.error());
  const verifier::TrustedRoot& trusted = trust->root();
  const v1::TrustRoot& root = trusted.current();

  ui.step("Keys to back up");
  auto keys = keys_to_back_up(plan, root, transcript);
  if (!keys) return refuse(keys.error());

  auto table = root_table(run, trusted, plan);
  if (!table) return refuse(table.error());
  ui.step("Quorum");
  if (auto ok = check_root_quorum(run, trusted, *table, "a backup"); !ok) {
    return refuse(ok.error(), table->at_table);
  }
  const auto threshold = plan.root_threshold();
  const auto count = static_cast<uint32_t>(table->present.size());
  transcript.ok("shares", kActor,
                fmt::format("{} shares, one each for {}; any {} restore", count,
                            join_names(table->present), threshold));

  ui.step("Wrap the keys inside the signer HSM");
  auto kek = new_kek();
  if (!kek) return refuse(kek.error(), table->at_table);
  auto so_token = open_planned_token(plan.signer().uri(), plan.signer().profile(),
                                     plan.signer().module(),
                                     plan.signer().allow_software_token());
  if (!so_token) return refuse(so_token.error().context("signer HSM"), table->at_table);
  if (auto own = run.table().reserve_signer_hsm(so_token->info); !own) {
    return refuse(own.error(), table->at_table);
  }
  auto wrapping = trusted_kek(*so_token, *kek, ui, transcript);
  if (!wrapping) return refuse(wrapping.error(), table->at_table);
  auto hsm = SignerHsm::open(plan.signer(), ui, transcript);
  if (!hsm) return refuse(hsm.error(), table->at_table);
  Bytes backup_id;
  auto manifest = manifest_of_wrapped_keys(trusted, run.now(), threshold, **hsm, *wrapping,
                                           *keys, backup_id);
  if (!manifest) return refuse(manifest.error(), table->at_table);

  ui.step("Split the key-encryption key and seal each share");
  auto sealed = split_and_seal(*kek, threshold, table->present, backup_id, ui, transcript,
                               *manifest);
  if (!sealed) return refuse(sealed.error(), table->at_table);
  result.shares = std::move(*sealed);

  ui.step("Sign the backup manifest");
  const Bytes payload = verifier::deterministic_bytes(*manifest);
  auto envelope = run.table().sign(root_seats(trusted, *table), kBackupManifestType, payload,
                                   manifest_summary(*manifest, root, table->present, threshold,
                                                    count),
                                   "sign the backup manifest");
  if (!envelope) return refuse(envelope.error(), table->at_table);
  auto verified = trusted.verify(*envelope, v1::ROOT, kBackupManifestType);
  if (!verified) {
    transcript.failed("verify", kActor, verified.error().message);
    return refuse(verified.error().context("the signed backup manifest"), table->at_table);
  }
  transcript.ok("verify", kActor, "the backup manifest verifies as signed by a root quorum");
  result.outcome = run.succeed(std::move(*envelope), std::string(kBackupManifestType),
                               root.version(),
                               fmt::format("backup of {} key(s) under trust root v{}; shares "
                                           "for {} ({} of {})",
                                           manifest->keys_size(), root.version(),
                                           join_names(table->present), threshold, count));
  return result;
}

}  // namespace hallmark::ceremony

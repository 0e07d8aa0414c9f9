#include "ceremony/src/restore_ceremony.h"

#include <algorithm>

#include <fmt/format.h>

#include "ceremony/src/backup_ceremony.h"
#include "ceremony/src/ceremony_run.h"
#include "ceremony/src/kek_shares.h"
#include "ceremony/src/signer_hsm.h"
#include "verifier/core/document.h"

namespace hallmark::ceremony {
namespace {

const std::string kActor(kCeremonyActor);

Error refused(ErrorCode code, std::string message) {
  return Error{code, std::move(message), 0, {}};
}

const v1::BackupShareRecord* record_of(const v1::BackupManifest& manifest,
                                       const std::string& custodian) {
  for (const auto& r : manifest.shares()) {
    if (r.custodian() == custodian) return &r;
  }
  return nullptr;
}

bool same(ByteView a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}


// The manifest `in` brings, verified as signed by a root quorum of `trusted`, naming keys
// and a threshold, every key one `trusted` names for its role; recorded.
Result<v1::BackupManifest> verified_manifest(const v1::Envelope& envelope,
                                             const verifier::TrustedRoot& trusted,
                                             TranscriptRecorder& transcript) {
  auto verified = trusted.verify(envelope, v1::ROOT, kBackupManifestType);
  if (!verified) {
    transcript.failed("manifest", kActor, verified.error().message);
    return std::unexpected(verified.error().context("the backup manifest"));
  }
  auto parsed = verifier::parse_verified<v1::BackupManifest>(verified->first);
  if (!parsed) return std::unexpected(parsed.error());
  const v1::BackupManifest& manifest = *parsed;
  const ByteView backup_id = as_bytes(manifest.backup_id());
  if (manifest.threshold() < 1 || manifest.keys_size() == 0) {
    return std::unexpected(refused(ErrorCode::kVerificationFailed,
                                   "the backup manifest names no key or a threshold of 0: it is "
                                   "not a manifest hallmark-ceremony backup writes"));
  }
  transcript.ok("manifest", kActor,
                fmt::format("backup {} of trust root v{} verifies (signed by {}); {} key(s), "
                            "{} of {} shares restore",
                            to_hex(backup_id), manifest.trust_root_version(),
                            join_names(verified->second.identities), manifest.keys_size(),
                            manifest.threshold(), manifest.shares_size()));
  for (const auto& key : manifest.keys()) {
    const auto role_keys = trusted.role_keys(key.role());
    const bool named = std::any_of(role_keys.begin(), role_keys.end(), [&](const auto& k) {
      return k.key_id() == key.public_key().key_id();
    });
    if (!named) {
      const std::string detail = fmt::format(
          "the backed-up {} key {} is not the {} key of trust root v{}: this backup is of "
          "keys the trust root no longer names; restore a backup made under v{}",
          v1::Role_Name(key.role()), key.public_key().key_id(), v1::Role_Name(key.role()),
          trusted.version(), trusted.version());
      transcript.failed("key-ids", kActor, detail);
      return std::unexpected(refused(ErrorCode::kPolicyRefused, detail));
    }
  }
  transcript.ok("key-ids", kActor,
                fmt::format("every backed-up key is the role key trust root v{} names",
                            trusted.version()));
  return parsed;
}

// Every share file brought must be of a custodian the manifest gives a share.
Result<void> check_share_holders(std::span<const ShareFile> files,
                                 const v1::BackupManifest& manifest,
                                 const std::vector<std::string>& known,
                                 TranscriptRecorder& transcript) {
  for (const auto& file : files) {
    if (record_of(manifest, file.share.custodian()) == nullptr) {
      const std::string detail = fmt::format(
          "{} is a share of '{}', who holds no share of this backup (holders: {}): bring "
          "a share file of this backup",
          file.origin, file.share.custodian(), join_names(known));
      transcript.failed("share", kActor, detail);
      return std::unexpected(refused(ErrorCode::kVerificationFailed, detail));
    }
  }
  return {};
}

// The share files of the custodians present, one per custodian (a second counts once).
struct UsableShares {
  std::vector<const ShareFile*> usable;
  std::vector<std::string> with_share;
};

UsableShares usable_shares(std::span<const ShareFile> files,
                           const std::vector<std::string>& present, CeremonyUi& ui) {
  UsableShares out;
  for (const auto& file : files) {
    const std::string& name = file.share.custodian();
    if (std::find(present.begin(), present.end(), name) == present.end()) continue;
    if (std::find(out.with_share.begin(), out.with_share.end(), name) != out.with_share.end()) {
      ui.warning(fmt::format("{}: a second share of {} counts once", file.origin, name));
      continue;
    }
    out.usable.push_back(&file);
    out.with_share.push_back(name);
  }
  return out;
}

// Each usable share opened under its custodian's passphrase and held to the manifest's
// commitment, then the KEK rebuilt and held to its check value; recorded.
Result<SecretBytes> rebuild_kek(const std::vector<const ShareFile*>& usable,
                                const v1::BackupManifest& manifest, CeremonyUi& ui,
                                TranscriptRecorder& transcript) {
  const ByteView backup_id = as_bytes(manifest.backup_id());
  std::vector<Share> shares;
  for (const ShareFile* file : usable) {
    const std::string& name = file->share.custodian();
    auto fail_share = [&](std::string why) {
      const std::string detail = fmt::format("{} ({}): {}", file->origin, name, why);
      transcript.failed("share", name, detail);
      return std::unexpected(refused(ErrorCode::kVerificationFailed, detail));
    };
    if (!same(as_bytes(file->share.backup_id()), backup_id)) {
      return fail_share("this share belongs to another backup (backup " +
                        to_hex(as_bytes(file->share.backup_id())) +
                        "): bring the share of backup " + to_hex(backup_id));
    }
    const v1::BackupShareRecord* record = record_of(manifest, name);
    if (record->share_number() != file->share.share_number()) {
      return fail_share(fmt::format("the file says share {}, the manifest gives {} share {}",
                                    file->share.share_number(), name, record->share_number()));
    }
    PinRequest request;
    request.holder = PinRequest::Holder::kSharePassphrase;
    request.name = name;
    request.purpose = fmt::format("open share {} of the backup", record->share_number());
    auto passphrase = ui.ask_pin(request);
    if (!passphrase) return std::unexpected(passphrase.error());
    auto share = open_share(file->share, *passphrase);
    if (!share) return fail_share(share.error().message);
    const Bytes commitment = share_commitment(backup_id, *share);
    if (!same(as_bytes(record->share_commitment()), commitment)) {
      return fail_share("the share opens but is not the share the signed manifest committed "
                        "to: it was altered; bring the custodian's original share file");
    }
    transcript.ok("share", name,
                  fmt::format("share {} opens under {}'s passphrase and matches the "
                              "manifest's commitment",
                              share->number, name));
    shares.push_back(std::move(*share));
  }
  auto kek = combine_shares(shares, shares.front().bytes.size());
  if (!kek) return std::unexpected(kek.error());
  if (!same(as_bytes(manifest.kek_check()), kek_check(backup_id, *kek))) {
    const std::string detail =
        "the shares do not rebuild this backup's key-encryption key (its check value differs): "
        "nothing was imported";
    transcript.failed("kek", kActor, detail);
    return std::unexpected(refused(ErrorCode::kVerificationFailed, detail));
  }
  transcript.ok("kek", kActor, "the key-encryption key is rebuilt and matches its check value");
  return kek;
}

}  // namespace

CeremonyOutcome run_restore(const RestoreInput& in, CeremonyContext& context) {
  const v1::CeremonyPlan& plan = in.plan->plan;
  CeremonyRun run("restore", in.plan->digest.hex(), context);
  CeremonyUi& ui = run.ui();
  TranscriptRecorder& transcript = run.transcript();

  auto trust = open_root_trust(run, *in.plan, in.chain, in.revocations);
  if (!trust) return run.refuse(trust.error(), {});
  const verifier::TrustedRoot& trusted = trust->root();

  ui.step("Backup manifest");
  auto parsed = verified_manifest(*in.manifest, trusted, transcript);
  if (!parsed) return run.refuse(parsed.error(), {});
  const v1::BackupManifest& manifest = *parsed;

  ui.step("Shares at the table");
  std::vector<std::string> known;
  for (const auto& r : manifest.shares()) {
    if (find_custodian(plan, r.custodian()) != nullptr) known.push_back(r.custodian());
  }
  if (auto ok = check_share_holders(in.shares, manifest, known, transcript); !ok) {
    return run.refuse(ok.error(), {});
  }
  auto present = run.present(known);
  if (!present) return run.refuse(present.error(), {});
  const auto [usable, with_share] = usable_shares(in.shares, *present, ui);
  std::vector<const v1::PlanCustodian*> at_table;
  for (const auto& name : with_share) at_table.push_back(find_custodian(plan, name));
  if (with_share.size() < manifest.threshold()) {
    const auto missing = manifest.threshold() - with_share.size();
    return run.refuse(
        refused(ErrorCode::kPolicyRefused,
                fmt::format("a restore needs the shares of {} custodians; present with a "
                            "share: {}: bring {} more of {} (nothing was imported, no "
                            "passphrase was asked)",
                            manifest.threshold(), join_names(with_share), missing,
                            join_names(known))),
        at_table);
  }
  transcript.ok("quorum", kActor,
                fmt::format("shares of {} present, threshold {}", join_names(with_share),
                            manifest.threshold()));

  ui.step("Open the shares");
  auto kek = rebuild_kek(usable, manifest, ui, transcript);
  if (!kek) return run.refuse(kek.error(), at_table);

  ui.step("Restore into the fresh signer HSM");
  auto hsm = SignerHsm::open(plan.signer(), ui, transcript);
  if (!hsm) return run.refuse(hsm.error(), at_table);
  if (auto own = run.table().reserve_signer_hsm((*hsm)->token()); !own) {
    return run.refuse(own.error(), at_table);
  }
  if (auto empty = (*hsm)->check_empty(); !empty) return run.refuse(empty.error(), at_table);
  auto unwrapping = (*hsm)->unwrapping_key(kek->view());
  if (!unwrapping) return run.refuse(unwrapping.error(), at_table);
  hsm::CreatedObjects created((*hsm)->session());
  std::vector<std::string> restored;
  for (const auto& key : manifest.keys()) {
    auto done = (*hsm)->restore(*unwrapping, key, v1::Role_Name(key.role()), created);
    if (!done) return run.refuse(done.error(), at_table);
    restored.push_back(fmt::format("{} {}", v1::Role_Name(key.role()), done->key_id()));
  }
  created.commit();
  return run.succeed(*in.manifest, std::string(kBackupManifestType), trusted.version(),
                     fmt::format("restored into {}: {}", describe_token((*hsm)->token()),
                                 join_names(restored)),
                     at_table);
}

}  // namespace hallmark::ceremony

// The backup and restore ceremonies on SoftHSM tokens: a backup of the signer HSM's keys,
// the signer token destroyed, the keys restored into a fresh token by two of three
// custodians and signing for the unchanged trust root; and every way a restore must refuse
// before anything is imported (too few shares, an altered or foreign share, a wrong
// passphrase, a token that is not empty, keys the trust root no longer names).
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "ceremony/src/backup_ceremony.h"
#include "ceremony/src/init_ceremony.h"
#include "ceremony/src/kek_shares.h"
#include "ceremony/src/restore_ceremony.h"
#include "ceremony/src/rotate_ceremony.h"
#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/token_admin.h"
#include "hsm-profiles/src/token_key.h"
#include "hsm-profiles/src/token_signer.h"
#include "tests/ceremony/ceremony_test_support.h"
#include "verifier/trust/transcript.h"
#include "verifier/trust/trust.h"

namespace hallmark::testing {
namespace {

const std::string kBackupKeys =
    "release_key { label: \"release\" backup: true }\n"
    "manufacturing_ca_key { label: \"manufacturing-ca\" backup: true }\n";

ceremony::LoadedPlan backup_plan(const std::string& signer = "signer-hsm",
                                 std::initializer_list<const char*> who = {"alice", "bob",
                                                                            "carol"}) {
  std::string text = plan_text(names(who), 2, 0, kBackupKeys);
  const std::string from = "pkcs11:token=signer-hsm\"";
  text.replace(text.find(from), from.size(), "pkcs11:token=" + signer + "\"");
  auto plan = ceremony::parse_plan(as_bytes(text), "backup-plan.textproto");
  REQUIRE_MESSAGE(plan, (plan ? "" : plan.error().message));
  return *plan;
}

struct Backed {
  v1::Envelope v1;
  ceremony::BackupOutcome backup;
};

// Init with the backup plan, then a backup with everyone present.
Backed init_and_backup(CeremonyTokens&) {
  RecordingUi ui;
  const auto plan = backup_plan();
  ceremony::CeremonyContext context{ui, fixed_clock(), {}};
  auto init = ceremony::run_init(plan, context);
  REQUIRE_MESSAGE(init.ok(), (init.error ? init.error->message : ""));
  std::vector<v1::Envelope> chain{*init.document};
  ceremony::CeremonyContext backup_context{ui, fixed_clock(kNow + 60), {}};
  auto backup = ceremony::run_backup({chain, {}, &plan}, backup_context);
  REQUIRE_MESSAGE(backup.outcome.ok(),
                  (backup.outcome.error ? backup.outcome.error->message : ""));
  REQUIRE(backup.shares.size() == 3);
  return {*init.document, std::move(backup)};
}

// Destroys every object on the token labelled `label` (the signer HSM is lost).
void wipe_token(const CeremonyTokens& tokens, const std::string& label) {
  hsm::Session session = tokens.hsm.open(label);
  hsm::AttributeTemplate any;
  auto objects = hsm::find_objects(session, any, 256);
  REQUIRE(objects);
  for (CK_OBJECT_HANDLE h : *objects) {
    REQUIRE(session.functions()->C_DestroyObject(session.handle(), h) == CKR_OK);
  }
}

void new_token(const CeremonyTokens& tokens, const std::string& label) {
  REQUIRE(hsm::init_token(*tokens.hsm.module(), label, SoftHsmFixture::so_pin(),
                          SoftHsmFixture::user_pin()));
}

std::size_t private_keys_on(const CeremonyTokens& tokens, const std::string& label) {
  hsm::Session session = tokens.hsm.open(label);
  hsm::AttributeTemplate match;
  match.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  auto found = hsm::find_objects(session, match, 16);
  REQUIRE(found);
  return found->size();
}

std::vector<ceremony::ShareFile> files_of(const ceremony::BackupOutcome& backup,
                                          std::initializer_list<const char*> who) {
  std::vector<ceremony::ShareFile> out;
  for (const char* name : who) {
    for (const auto& s : backup.shares) {
      if (s.custodian() == name) out.push_back({fmt::format("share-{}.hshare", name), s});
    }
  }
  return out;
}

ceremony::CeremonyOutcome restore(RecordingUi& ui, const std::vector<v1::Envelope>& chain,
                                  const ceremony::LoadedPlan& plan,
                                  const v1::Envelope& manifest,
                                  const std::vector<ceremony::ShareFile>& shares,
                                  std::vector<std::string> present = {}) {
  ceremony::CeremonyContext context{ui, fixed_clock(kNow + 120), std::move(present)};
  return ceremony::run_restore({chain, {}, &plan, &manifest, shares}, context);
}

verifier::Trust trust_of(const std::vector<v1::Envelope>& chain, int64_t now = kNow + 200) {
  verifier::TrustInputs inputs;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    inputs.chain.push_back({fmt::format("v{}", i + 1), chain[i]});
  }
  inputs.now_unix = now;
  auto trust = verifier::load_trust(std::move(inputs));
  REQUIRE_MESSAGE(trust, (trust ? "" : trust.error().message));
  return std::move(*trust);
}

std::size_t passphrases_asked(const RecordingUi& ui) {
  std::size_t n = 0;
  for (const auto& r : ui.pin_requests) {
    n += r.holder == ceremony::PinRequest::Holder::kSharePassphrase ? 1 : 0;
  }
  return n;
}

// The release key on `label` signs a message the trust root's release key verifies.
void release_key_signs_for(const CeremonyTokens& tokens, const std::string& label,
                           const verifier::TrustedRoot& root) {
  hsm::Session session = tokens.hsm.open(label);
  auto uri = hsm::TokenUri::parse("pkcs11:token=" + label + ";object=release");
  REQUIRE(uri);
  auto key = hsm::TokenKey::find(session, *uri);
  REQUIRE_MESSAGE(key, (key ? "" : key.error().message));
  CHECK(hsm::check_production_use(key->provenance(), false, key->name(),
                                  verifier::KeyOrigin::kQuorumBackup));
  CHECK_FALSE(hsm::check_production_use(key->provenance(), false, key->name()));
  auto signer = hsm::TokenSigner::create(session, *key);
  REQUIRE(signer);
  const Bytes message = to_bytes("release 1.0.1 after the disaster");
  auto signature = signer->sign(message);
  REQUIRE(signature);
  const auto keys = root.role_keys(v1::RELEASE);
  REQUIRE(keys.size() == 1);
  CHECK(keys.front().verify(message, *signature));
}

}  // namespace

TEST_CASE("after the signer token is destroyed, two of three custodians restore its keys into "
          "a fresh token and the restored release key signs for the unchanged trust root") {
  CeremonyTokens tokens;
  auto backed = init_and_backup(tokens);
  const std::vector<v1::Envelope> chain{backed.v1};
  wipe_token(tokens, "signer-hsm");
  new_token(tokens, "signer-hsm-new");

  RecordingUi ui;
  const auto plan = backup_plan("signer-hsm-new");
  auto outcome = restore(ui, chain, plan, *backed.backup.outcome.document,
                         files_of(backed.backup, {"alice", "bob"}), {"alice", "bob"});
  REQUIRE_MESSAGE(outcome.ok(), (outcome.error ? outcome.error->message : ""));
  CHECK(private_keys_on(tokens, "signer-hsm-new") == 2);  // release and manufacturing CA
  const auto trust = trust_of(chain);
  release_key_signs_for(tokens, "signer-hsm-new", trust.root());

  // Both transcripts verify as signed by a root quorum and carry no share or key bytes.
  auto backup_transcript =
      verifier::verify_transcript(backed.backup.outcome.transcript, trust.root());
  REQUIRE_MESSAGE(backup_transcript, (backup_transcript ? "" : backup_transcript.error().message));
  CHECK(backup_transcript->transcript.ceremony() == "backup");
  auto restore_transcript = verifier::verify_transcript(outcome.transcript, trust.root());
  REQUIRE_MESSAGE(restore_transcript,
                  (restore_transcript ? "" : restore_transcript.error().message));
  CHECK(restore_transcript->signer_identities.size() == 2);
  const auto manifest = payload_of<v1::BackupManifest>(*backed.backup.outcome.document);
  for (const auto* transcript : {&backed.backup.outcome.transcript, &outcome.transcript}) {
    const std::string& bytes = transcript->payload();
    for (const auto& key : manifest.keys()) {
      CHECK(bytes.find(key.wrapped()) == std::string::npos);
    }
    for (const auto& share : backed.backup.shares) {
      CHECK(bytes.find(share.sealed()) == std::string::npos);
    }
  }
  const auto entries = entries_of(outcome.transcript);
  CHECK(has_entry(entries, "restore-key", true, "RELEASE"));
  CHECK(has_entry(entries, "share", true, "matches the manifest's commitment"));
}

TEST_CASE("one custodian alone restores nothing, is told how many more are needed, and types "
          "no passphrase") {
  CeremonyTokens tokens;
  auto backed = init_and_backup(tokens);
  new_token(tokens, "signer-hsm-new");
  RecordingUi ui;
  auto outcome = restore(ui, {backed.v1}, backup_plan("signer-hsm-new"),
                         *backed.backup.outcome.document, files_of(backed.backup, {"alice"}),
                         {"alice"});
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->code == ErrorCode::kPolicyRefused);
  CHECK(outcome.error->message.find("bring 1 more") != std::string::npos);
  CHECK(passphrases_asked(ui) == 0);
  CHECK(private_keys_on(tokens, "signer-hsm-new") == 0);
}

TEST_CASE("a share given twice by the same custodian counts once") {
  CeremonyTokens tokens;
  auto backed = init_and_backup(tokens);
  new_token(tokens, "signer-hsm-new");
  RecordingUi ui;
  auto shares = files_of(backed.backup, {"alice", "alice"});
  auto outcome = restore(ui, {backed.v1}, backup_plan("signer-hsm-new"),
                         *backed.backup.outcome.document, shares);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->message.find("bring 1 more") != std::string::npos);
  CHECK(private_keys_on(tokens, "signer-hsm-new") == 0);
}

TEST_CASE("a share with one byte altered is detected before anything is imported") {
  CeremonyTokens tokens;
  auto backed = init_and_backup(tokens);
  new_token(tokens, "signer-hsm-new");
  auto shares = files_of(backed.backup, {"alice", "bob"});
  std::string sealed = shares[1].share.sealed();
  sealed[3] = static_cast<char>(sealed[3] ^ 0x01);
  shares[1].share.set_sealed(sealed);
  RecordingUi ui;
  auto outcome = restore(ui, {backed.v1}, backup_plan("signer-hsm-new"),
                         *backed.backup.outcome.document, shares);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->code == ErrorCode::kVerificationFailed);
  CHECK(outcome.error->message.find("share-bob.hshare") != std::string::npos);
  CHECK(private_keys_on(tokens, "signer-hsm-new") == 0);
}

TEST_CASE("a share altered and sealed again by someone who knows the passphrase fails the "
          "signed manifest's commitment") {
  CeremonyTokens tokens;
  auto backed = init_and_backup(tokens);
  new_token(tokens, "signer-hsm-new");
  auto shares = files_of(backed.backup, {"alice", "bob"});
  const hsm::Pin passphrase("passphrase of bob");
  auto opened = ceremony::open_share(shares[1].share, passphrase);
  REQUIRE(opened);
  opened->bytes.data()[0] ^= 0x80;
  auto resealed = ceremony::seal_share(*opened, as_bytes(shares[1].share.backup_id()), "bob",
                                       passphrase);
  REQUIRE(resealed);
  shares[1].share = *resealed;
  RecordingUi ui;
  auto outcome = restore(ui, {backed.v1}, backup_plan("signer-hsm-new"),
                         *backed.backup.outcome.document, shares);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->message.find("commit") != std::string::npos);
  CHECK(private_keys_on(tokens, "signer-hsm-new") == 0);
}

TEST_CASE("a wrong passphrase opens no share and imports nothing") {
  CeremonyTokens tokens;
  auto backed = init_and_backup(tokens);
  new_token(tokens, "signer-hsm-new");
  RecordingUi ui;
  ui.script("passphrase:bob", {"a guess of twelve+ chars"});
  auto outcome = restore(ui, {backed.v1}, backup_plan("signer-hsm-new"),
                         *backed.backup.outcome.document, files_of(backed.backup, {"alice", "bob"}));
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->message.find("passphrase is wrong") != std::string::npos);
  CHECK(private_keys_on(tokens, "signer-hsm-new") == 0);
}

TEST_CASE("a share of another backup is refused, even with the right passphrase") {
  CeremonyTokens tokens;
  auto first = init_and_backup(tokens);
  RecordingUi ui;
  const auto plan = backup_plan();
  std::vector<v1::Envelope> chain{first.v1};
  ceremony::CeremonyContext context{ui, fixed_clock(kNow + 90), {}};
  auto second = ceremony::run_backup({chain, {}, &plan}, context);
  REQUIRE(second.outcome.ok());
  new_token(tokens, "signer-hsm-new");
  auto shares = files_of(first.backup, {"alice"});
  shares.push_back(files_of(second, {"bob"}).front());
  auto outcome = restore(ui, chain, backup_plan("signer-hsm-new"),
                         *first.backup.outcome.document, shares);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->message.find("another backup") != std::string::npos);
  CHECK(private_keys_on(tokens, "signer-hsm-new") == 0);
}

TEST_CASE("a restore into a token that already holds a key is refused") {
  CeremonyTokens tokens;
  auto backed = init_and_backup(tokens);
  RecordingUi ui;
  // The original signer HSM still holds its keys.
  auto outcome = restore(ui, {backed.v1}, backup_plan(), *backed.backup.outcome.document,
                         files_of(backed.backup, {"alice", "bob"}));
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error->message.find("fresh, empty token") != std::string::npos);
}

TEST_CASE("a manifest altered after signing is refused") {
  CeremonyTokens tokens;
  auto backed = init_and_backup(tokens);
  new_token(tokens, "signer-hsm-new");
  v1::Envelope manifest = *backed.backup.outcome.document;
  std::string payload = manifest.payload();
  payload[payload.size() / 2] = static_cast<char>(payload[payload.size() / 2] ^ 0x01);
  manifest.set_payload(payload);
  RecordingUi ui;
  auto outcome = restore(ui, {backed.v1}, backup_plan("signer-hsm-new"), manifest,
                         files_of(backed.backup, {"alice", "bob"}));
  REQUIRE_FALSE(outcome.ok());
  CHECK(private_keys_on(tokens, "signer-hsm-new") == 0);
}

TEST_CASE("keys a plan does not back up stay never extractable and a plan that backs up none "
          "is refused") {
  CeremonyTokens tokens;
  const auto v1 = make_v1(tokens);  // the default plan: no key is backed up
  {
    hsm::Session session = tokens.hsm.open("signer-hsm");
    auto uri = hsm::TokenUri::parse("pkcs11:token=signer-hsm;object=release");
    REQUIRE(uri);
    auto key = hsm::TokenKey::find(session, *uri);
    REQUIRE(key);
    CHECK(key->provenance().never_extractable());
    CHECK_FALSE(key->provenance().wrap_with_trusted());
  }
  RecordingUi ui;
  const auto plan = make_plan(names({"alice", "bob", "carol"}), 2);
  std::vector<v1::Envelope> chain{v1};
  ceremony::CeremonyContext context{ui, fixed_clock(kNow + 60), {}};
  auto backup = ceremony::run_backup({chain, {}, &plan}, context);
  REQUIRE_FALSE(backup.outcome.ok());
  CHECK(backup.outcome.error->message.find("backs up no key") != std::string::npos);
  CHECK(backup.shares.empty());
  // Marking it backup: true afterwards changes nothing: the HSM refuses to wrap it.
  const auto marked = backup_plan();
  ceremony::CeremonyContext again{ui, fixed_clock(kNow + 70), {}};
  auto refused = ceremony::run_backup({chain, {}, &marked}, again);
  REQUIRE_FALSE(refused.outcome.ok());
  CHECK(refused.outcome.error->message.find("refuses to let this key out") != std::string::npos);
  CHECK(refused.shares.empty());
}

TEST_CASE("the lost custodian card: a rotation replaces carol's card without it, a new backup "
          "goes to the new table, and two of its custodians restore") {
  CeremonyTokens tokens;
  auto backed = init_and_backup(tokens);
  // carol's card is lost: alice and bob (v1's threshold) rotate her out and dave in.
  RecordingUi ui;
  const auto v2_plan = backup_plan("signer-hsm", {"alice", "bob", "dave"});
  std::vector<v1::Envelope> chain{backed.v1};
  ceremony::CeremonyContext rotate_context{ui, fixed_clock(kNow + 300), {"alice", "bob", "dave"}};
  auto v2 = ceremony::run_rotate({chain, {}, &v2_plan, nullptr}, rotate_context);
  REQUIRE_MESSAGE(v2.ok(), (v2.error ? v2.error->message : ""));
  chain.push_back(*v2.document);
  ceremony::CeremonyContext backup_context{ui, fixed_clock(kNow + 360), {}};
  auto backup = ceremony::run_backup({chain, {}, &v2_plan}, backup_context);
  REQUIRE_MESSAGE(backup.outcome.ok(), (backup.outcome.error ? backup.outcome.error->message : ""));
  CHECK(files_of(backup, {"carol"}).empty());

  wipe_token(tokens, "signer-hsm");
  new_token(tokens, "signer-hsm-new");
  RecordingUi restore_ui;
  ceremony::CeremonyContext context{restore_ui, fixed_clock(kNow + 400), {}};
  const auto plan = backup_plan("signer-hsm-new", {"alice", "bob", "dave"});
  const auto shares = files_of(backup, {"bob", "dave"});
  auto outcome = ceremony::run_restore({chain, {}, &plan, &*backup.outcome.document, shares},
                                       context);
  REQUIRE_MESSAGE(outcome.ok(), (outcome.error ? outcome.error->message : ""));
  release_key_signs_for(tokens, "signer-hsm-new", trust_of(chain, kNow + 500).root());
}

}  // namespace hallmark::testing

namespace hallmark::testing {

TEST_CASE("a custodian who types two different passphrases at the backup gets no share and "
          "nothing is written") {
  CeremonyTokens tokens;
  RecordingUi ui;
  const auto plan = backup_plan();
  ceremony::CeremonyContext context{ui, fixed_clock(), {}};
  auto init = ceremony::run_init(plan, context);
  REQUIRE(init.ok());
  std::vector<v1::Envelope> chain{*init.document};
  ui.script("passphrase:bob", {"bob's long passphrase", "bob's long passphrasf"});
  ceremony::CeremonyContext backup_context{ui, fixed_clock(kNow + 60), {}};
  auto backup = ceremony::run_backup({chain, {}, &plan}, backup_context);
  REQUIRE_FALSE(backup.outcome.ok());
  CHECK(backup.outcome.error->message.find("two different passphrases") != std::string::npos);
  CHECK(backup.shares.empty());
}

}  // namespace hallmark::testing

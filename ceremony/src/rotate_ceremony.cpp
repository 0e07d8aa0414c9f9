#include "ceremony/src/rotate_ceremony.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "ceremony/src/ceremony_run.h"
#include "ceremony/src/manufacturing_ca.h"
#include "ceremony/src/signer_hsm.h"
#include "ceremony/src/summary.h"
#include "ceremony/src/trust_root_builder.h"
#include "verifier/core/document.h"

namespace hallmark::ceremony {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
const std::string kActor(kCeremonyActor);

Error refused(std::string message) {
  return Error{ErrorCode::kPolicyRefused, std::move(message), 0, {}};
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<std::string> intersect(const std::vector<std::string>& a,
                                   const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& name : a) {
    if (contains(b, name)) out.push_back(name);
  }
  return out;
}


// The new plan (and the previous one, for the cards of custodians who leave), in the
// transcript.
void record_plans(const RotateInput& in, TranscriptRecorder& transcript) {
  const v1::CeremonyPlan& plan = in.plan->plan;
  transcript.ok("plan", kActor,
                fmt::format("new plan {} (SHA-256 {}): {} custodians, root {} , approver {}",
                            in.plan->origin, in.plan->digest.hex(), plan.custodians_size(),
                            plan.root_threshold(), plan.approver_threshold()));
  if (in.previous_plan != nullptr) {
    transcript.ok("plan", kActor,
                  fmt::format("previous plan {} (SHA-256 {}) for the cards of custodians who "
                              "leave",
                              in.previous_plan->origin, in.previous_plan->digest.hex()));
  }
}

// Where a custodian's card is: the new plan, else the previous plan (one who leaves).
const v1::PlanCustodian* card_in_plans(const RotateInput& in, const std::string& name) {
  const v1::CeremonyPlan& plan = in.plan->plan;
  if (const auto* c = find_custodian(plan, name)) return c;
  return in.previous_plan != nullptr ? find_custodian(in.previous_plan->plan, name) : nullptr;
}

// Everyone of vN and of the new plan whose card a plan describes: who may sit at the table.
std::vector<std::string> known_custodians(const RotateInput& in, const v1::TrustRoot& old,
                                          const std::vector<std::string>& new_names) {
  std::vector<std::string> everyone;
  for (const auto& c : old.custodians()) everyone.push_back(c.name());
  for (const auto& name : new_names) {
    if (!contains(everyone, name)) everyone.push_back(name);
  }
  std::vector<std::string> known;
  for (const auto& name : everyone) {
    if (card_in_plans(in, name) != nullptr) known.push_back(name);
  }
  return known;
}

// A revoked key or custodian never travels into the next version.
Result<void> refuse_revoked_custodians(const verifier::TrustedRoot& trusted,
                                       const std::vector<std::string>& new_names) {
  for (const auto& c : trusted.current().custodians()) {
    if (!contains(new_names, c.name())) continue;
    bool revoked = trusted.custodian_revoked(c.name());
    for (const auto& id : c.key_ids()) revoked = revoked || trusted.key_revoked(id);
    if (revoked) {
      return std::unexpected(refused(fmt::format(
          "custodian {} (or their key) is revoked but the new plan keeps "
          "them: remove them from the plan, or add them under a new name "
          "with a new card",
          c.name())));
    }
  }
  return {};
}

// Both vN's root threshold and N+1's among the custodians present, before any card is
// touched; recorded.
Result<void> check_both_quorums(const verifier::TrustedRoot& trusted,
                                const v1::CeremonyPlan& plan,
                                const std::vector<std::string>& present,
                                const std::vector<std::string>& new_names,
                                TranscriptRecorder& transcript) {
  const v1::TrustRoot& old = trusted.current();
  const uint64_t next_version = old.version() + 1;
  const std::string next = fmt::format("trust root v{}", next_version);
  const auto old_present = intersect(present, counting_custodians(trusted));
  const auto new_present = intersect(present, new_names);
  const uint32_t old_threshold = [&] {
    for (const auto& r : old.roles()) {
      if (r.role() == v1::ROOT) return r.threshold();
    }
    return 0u;
  }();
  if (old_present.size() < old_threshold || new_present.size() < plan.root_threshold()) {
    return std::unexpected(
        refused(fmt::format(
            "{} needs {} of v{}'s root custodians (present: {}) AND {} of its own (present: "
            "{}): bring the missing custodians (no card was touched)",
            next, old_threshold, old.version(), join_names(old_present), plan.root_threshold(),
            join_names(new_present))));
  }
  transcript.ok("quorum", kActor,
                fmt::format("v{} custodians present: {} (threshold {}); v{} custodians present: "
                            "{} (threshold {})",
                            old.version(), join_names(old_present), old_threshold, next_version,
                            join_names(new_present), plan.root_threshold()));
  return {};
}

// N+1's custodian records: vN's record for a custodian who stays, a card checked (as at
// init) for one who is new.
Result<std::vector<CustodianRecord>> next_custodian_records(const v1::CeremonyPlan& plan,
                                                            const v1::TrustRoot& old,
                                                            CeremonyRun& run) {
  const auto old_records = custodian_records(old);
  std::vector<CustodianRecord> records;
  for (const auto& c : plan.custodians()) {
    auto kept = std::find_if(old_records.begin(), old_records.end(),
                             [&](const CustodianRecord& r) { return r.name == c.name(); });
    if (kept != old_records.end()) {
      records.push_back(*kept);
      continue;
    }
    auto enrolled = run.table().enrol(c);
    if (!enrolled) return std::unexpected(enrolled.error());
    records.push_back({c.name(), {enrolled->key.public_key()}, enrolled->key.token()});
  }
  return records;
}

// The signer keys of N+1: vN's, but those whose label plan.regenerate_keys lists, which are
// generated anew in the signer HSM (`hsm`, opened here; a new manufacturing-CA key gets a new
// self-signed certificate). A key that stays must not be revoked.
struct SignerKeys {
  Result<v1::PublicKey> release;
  Result<v1::PublicKey> evidence;
  Result<v1::PublicKey> ca;
  Bytes certificate;
};

Result<void> regenerate_signer_keys(const v1::CeremonyPlan& plan, int64_t now,
                                    CeremonyRun& run, std::unique_ptr<SignerHsm>& hsm,
                                    SignerKeys& keys) {
  CeremonyUi& ui = run.ui();
  TranscriptRecorder& transcript = run.transcript();
  const std::set<std::string> regenerate(plan.regenerate_keys().begin(),
                                         plan.regenerate_keys().end());
  if (regenerate.empty()) return {};
  auto opened = SignerHsm::open(plan.signer(), ui, transcript);
  if (!opened) return std::unexpected(opened.error());
  hsm = std::move(*opened);
  if (auto own = run.table().reserve_signer_hsm(hsm->token()); !own) {
    return std::unexpected(own.error());
  }
  if (auto free = hsm->check_labels_free({regenerate.begin(), regenerate.end()}); !free) {
    return std::unexpected(free.error());
  }
  const std::pair<const v1::PlanKey*, Result<v1::PublicKey>*> slots[] = {
      {&plan.release_key(), &keys.release},
      {&plan.evidence_key(), &keys.evidence},
      {&plan.manufacturing_ca_key(), &keys.ca}};
  const char* roles[] = {"release", "evidence", "manufacturing CA"};
  for (std::size_t i = 0; i < 3; ++i) {
    if (!regenerate.contains(slots[i].first->label())) continue;
    auto key = hsm->generate(*slots[i].first, roles[i]);
    if (!key) return std::unexpected(key.error());
    *slots[i].second = key->public_key().to_proto();
    if (slots[i].second == &keys.ca) {
      auto cert = self_sign_manufacturing_ca(
          *hsm, *key, plan.organisation(), now,
          now + static_cast<int64_t>(plan.validity_days()) * kSecondsPerDay, transcript);
      if (!cert) return std::unexpected(cert.error());
      keys.certificate = std::move(*cert);
    }
  }
  return {};
}

// All three signer keys of N+1, none revoked (generated ones are in `hsm`); recorded.
Result<SignerKeys> next_signer_keys(const verifier::TrustedRoot& trusted,
                                    const v1::CeremonyPlan& plan, int64_t now, CeremonyRun& run,
                                    std::unique_ptr<SignerHsm>& hsm) {
  const v1::TrustRoot& old = trusted.current();
  const std::string next = fmt::format("trust root v{}", old.version() + 1);
  SignerKeys keys{role_key(old, v1::RELEASE), role_key(old, v1::EVIDENCE),
                  role_key(old, v1::MANUFACTURING_CA),
                  to_bytes(old.manufacturing_ca_certificate_der())};
  for (const auto* key : {&keys.release, &keys.evidence, &keys.ca}) {
    if (!*key) return std::unexpected(key->error());
  }
  if (auto ok = regenerate_signer_keys(plan, now, run, hsm, keys); !ok) {
    return std::unexpected(ok.error());
  }
  for (const auto* key : {&keys.release, &keys.evidence, &keys.ca}) {
    if (trusted.key_revoked((*key)->key_id())) {
      return std::unexpected(refused(fmt::format(
          "signer key {} is revoked: list its label in regenerate_keys (with a new label) so "
          "{} gets a new key",
          (*key)->key_id(), next)));
    }
  }
  run.transcript().ok("signer-keys", kActor,
                      fmt::format("release {}, evidence {}, manufacturing CA {}",
                                  keys.release->key_id(), keys.evidence->key_id(),
                                  keys.ca->key_id()));
  return keys;
}

// N+1 itself, unsigned: the new plan's custodians and thresholds, the signer keys, chained to
// vN by previous_digest.
Result<v1::TrustRoot> next_trust_root(const verifier::TrustedRoot& trusted,
                                      const v1::CeremonyPlan& plan, int64_t now,
                                      std::vector<CustodianRecord> records, SignerKeys keys) {
  TrustRootParts parts;
  parts.version = trusted.current().version() + 1;
  parts.issued_unix = now;
  parts.expires_unix = now + static_cast<int64_t>(plan.validity_days()) * kSecondsPerDay;
  parts.custodians = std::move(records);
  parts.root_threshold = plan.root_threshold();
  parts.approver_threshold = plan.approver_threshold();
  parts.signer = {*keys.release, *keys.evidence, *keys.ca};
  parts.manufacturing_ca_certificate_der = std::move(keys.certificate);
  const ByteView previous = trusted.current_digest().bytes();
  parts.previous_digest.assign(previous.begin(), previous.end());
  return build_trust_root(parts);
}

// The seats at the table: each custodian present may sign with their vN keys and their
// N+1 keys (one card in both counts for both with one signature).
std::vector<SignerSeat> rotation_seats(const RotateInput& in, const v1::TrustRoot& old,
                                       const std::vector<std::string>& present,
                                       const std::vector<CustodianRecord>& records) {
  std::vector<SignerSeat> seats;
  for (const auto& name : present) {
    SignerSeat seat{card_in_plans(in, name), {}};
    for (const auto& id : custodian_key_ids(old, name)) seat.key_ids.insert(id);
    for (const auto& record : records) {
      if (record.name != name) continue;
      for (const auto& key : record.keys) seat.key_ids.insert(key.key_id());
    }
    seats.push_back(std::move(seat));
  }
  return seats;
}

}  // namespace

CeremonyOutcome run_rotate(const RotateInput& in, CeremonyContext& context) {
  const v1::CeremonyPlan& plan = in.plan->plan;
  CeremonyRun run("rotate", in.plan->digest.hex(), context);
  CeremonyUi& ui = run.ui();
  TranscriptRecorder& transcript = run.transcript();
  const int64_t now = run.now();

  ui.step("Plan and trust root chain");
  record_plans(in, transcript);
  auto trust = verify_chain(in.chain, in.revocations, now, transcript);
  if (!trust) return run.refuse(trust.error(), {});
  const verifier::TrustedRoot* trusted = &trust->root();
  const v1::TrustRoot& old = trusted->current();
  const uint64_t next_version = old.version() + 1;
  const std::string next = fmt::format("trust root v{}", next_version);

  std::vector<std::string> new_names;
  for (const auto& c : plan.custodians()) new_names.push_back(c.name());
  auto present = run.present(known_custodians(in, old, new_names));
  if (!present) return run.refuse(present.error(), {});
  std::vector<const v1::PlanCustodian*> at_table;
  for (const auto& name : *present) at_table.push_back(card_in_plans(in, name));
  if (auto ok = refuse_revoked_custodians(*trusted, new_names); !ok) {
    return run.refuse(ok.error(), at_table);
  }

  ui.step("Quorum of both versions");
  if (auto ok = check_both_quorums(*trusted, plan, *present, new_names, transcript); !ok) {
    return run.refuse(ok.error(), at_table);
  }

  ui.step("Check the new custodians' cards");
  auto records = next_custodian_records(plan, old, run);
  if (!records) return run.refuse(records.error(), at_table);

  ui.step("Signer keys");
  std::unique_ptr<SignerHsm> hsm;
  auto refuse_and_discard = [&](Error error) {
    if (hsm) hsm->discard_generated();
    return run.refuse(std::move(error), at_table);
  };
  auto keys = next_signer_keys(*trusted, plan, now, run, hsm);
  if (!keys) return refuse_and_discard(keys.error());

  auto root = next_trust_root(*trusted, plan, now, *records, std::move(*keys));
  if (!root) return refuse_and_discard(root.error());
  transcript.ok("build", kActor, next + " built:\n" + trust_root_summary(*root));

  ui.step("Sign " + next);
  const Bytes payload = verifier::deterministic_bytes(*root);
  auto envelope = run.table().sign(rotation_seats(in, old, *present, *records),
                                   verifier::kTrustRootType, payload,
                                   trust_root_summary(*root), "sign " + next);
  if (!envelope) return refuse_and_discard(envelope.error());

  ui.step("Verify " + next);
  verifier::TrustInputs with = trust->inputs();
  with.chain.push_back({next, *envelope});
  auto check = verifier::load_trust(std::move(with));
  if (!check) {
    transcript.failed("verify", kActor, check.error().message);
    return refuse_and_discard(check.error().context("the signed " + next));
  }
  transcript.ok("verify", kActor,
                fmt::format("{} verifies as the successor of v{} (payload SHA-256 {})", next,
                            old.version(), check->root().current_digest().hex()));
  if (hsm) hsm->keep_generated();
  return run.succeed(std::move(*envelope), std::string(verifier::kTrustRootType), next_version,
                     next + " signed by " + join_names(*present));
}

}  // namespace hallmark::ceremony

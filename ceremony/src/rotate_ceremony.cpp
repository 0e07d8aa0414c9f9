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

}  // namespace

CeremonyOutcome run_rotate(const RotateInput& in, CeremonyContext& context) {
  const v1::CeremonyPlan& plan = in.plan->plan;
  CeremonyRun run("rotate", in.plan->digest.hex(), context);
  CeremonyUi& ui = run.ui();
  TranscriptRecorder& transcript = run.transcript();
  const int64_t now = run.now();

  ui.step("Plan and trust root chain");
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
  auto trust = verify_chain(in.chain, in.revocations, now, transcript);
  if (!trust) return run.refuse(trust.error(), {});
  const verifier::TrustedRoot* trusted = &trust->root();
  const v1::TrustRoot& old = trusted->current();
  const uint64_t next_version = old.version() + 1;
  const std::string next = fmt::format("trust root v{}", next_version);

  auto card_of = [&](const std::string& name) -> const v1::PlanCustodian* {
    if (const auto* c = find_custodian(plan, name)) return c;
    return in.previous_plan != nullptr ? find_custodian(in.previous_plan->plan, name) : nullptr;
  };
  std::vector<std::string> new_names;
  for (const auto& c : plan.custodians()) new_names.push_back(c.name());
  std::vector<std::string> everyone;
  for (const auto& c : old.custodians()) everyone.push_back(c.name());
  for (const auto& name : new_names) {
    if (!contains(everyone, name)) everyone.push_back(name);
  }
  std::vector<std::string> known;
  for (const auto& name : everyone) {
    if (card_of(name) != nullptr) known.push_back(name);
  }
  auto present = run.present(known);
  if (!present) return run.refuse(present.error(), {});
  std::vector<const v1::PlanCustodian*> at_table;
  for (const auto& name : *present) at_table.push_back(card_of(name));

  // A revoked key or custodian never travels into the next version.
  for (const auto& c : old.custodians()) {
    if (!contains(new_names, c.name())) continue;
    bool revoked = trusted->custodian_revoked(c.name());
    for (const auto& id : c.key_ids()) revoked = revoked || trusted->key_revoked(id);
    if (revoked) {
      return run.refuse(refused(fmt::format(
                            "custodian {} (or their key) is revoked but the new plan keeps "
                            "them: remove them from the plan, or add them under a new name "
                            "with a new card",
                            c.name())),
                        at_table);
    }
  }

  ui.step("Quorum of both versions");
  const auto old_present = intersect(*present, counting_custodians(*trusted));
  const auto new_present = intersect(*present, new_names);
  const uint32_t old_threshold = [&] {
    for (const auto& r : old.roles()) {
      if (r.role() == v1::ROOT) return r.threshold();
    }
    return 0u;
  }();
  if (old_present.size() < old_threshold || new_present.size() < plan.root_threshold()) {
    return run.refuse(
        refused(fmt::format(
            "{} needs {} of v{}'s root custodians (present: {}) AND {} of its own (present: "
            "{}): bring the missing custodians (no card was touched)",
            next, old_threshold, old.version(), join_names(old_present), plan.root_threshold(),
            join_names(new_present))),
        at_table);
  }
  transcript.ok("quorum", kActor,
                fmt::format("v{} custodians present: {} (threshold {}); v{} custodians present: "
                            "{} (threshold {})",
                            old.version(), join_names(old_present), old_threshold, next_version,
                            join_names(new_present), plan.root_threshold()));

  ui.step("Check the new custodians' cards");
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
    if (!enrolled) return run.refuse(enrolled.error(), at_table);
    records.push_back({c.name(), {enrolled->key.public_key()}, enrolled->key.token()});
  }

  ui.step("Signer keys");
  auto release = role_key(old, v1::RELEASE);
  auto evidence = role_key(old, v1::EVIDENCE);
  auto ca = role_key(old, v1::MANUFACTURING_CA);
  for (const auto* key : {&release, &evidence, &ca}) {
    if (!*key) return run.refuse(key->error(), at_table);
  }
  Bytes certificate = to_bytes(old.manufacturing_ca_certificate_der());
  const std::set<std::string> regenerate(plan.regenerate_keys().begin(),
                                         plan.regenerate_keys().end());
  std::unique_ptr<SignerHsm> hsm;
  auto refuse_and_discard = [&](Error error) {
    if (hsm) hsm->discard_generated();
    return run.refuse(std::move(error), at_table);
  };
  if (!regenerate.empty()) {
    auto opened = SignerHsm::open(plan.signer(), ui, transcript);
    if (!opened) return run.refuse(opened.error(), at_table);
    hsm = std::move(*opened);
    if (auto own = run.table().reserve_signer_hsm(hsm->token()); !own) {
      return run.refuse(own.error(), at_table);
    }
    if (auto free = hsm->check_labels_free({regenerate.begin(), regenerate.end()}); !free) {
      return run.refuse(free.error(), at_table);
    }
    const std::pair<const v1::PlanKey*, Result<v1::PublicKey>*> slots[] = {
        {&plan.release_key(), &release},
        {&plan.evidence_key(), &evidence},
        {&plan.manufacturing_ca_key(), &ca}};
    const char* roles[] = {"release", "evidence", "manufacturing CA"};
    for (std::size_t i = 0; i < 3; ++i) {
      if (!regenerate.contains(slots[i].first->label())) continue;
      auto key = hsm->generate(*slots[i].first, roles[i]);
      if (!key) return refuse_and_discard(key.error());
      *slots[i].second = key->public_key().to_proto();
      if (slots[i].second == &ca) {
        auto cert = self_sign_manufacturing_ca(
            *hsm, *key, plan.organisation(), now,
            now + static_cast<int64_t>(plan.validity_days()) * kSecondsPerDay, transcript);
        if (!cert) return refuse_and_discard(cert.error());
        certificate = std::move(*cert);
      }
    }
  }
  for (const auto* key : {&release, &evidence, &ca}) {
    if (trusted->key_revoked((*key)->key_id())) {
      return refuse_and_discard(refused(fmt::format(
          "signer key {} is revoked: list its label in regenerate_keys (with a new label) so "
          "{} gets a new key",
          (*key)->key_id(), next)));
    }
  }
  transcript.ok("signer-keys", kActor,
                fmt::format("release {}, evidence {}, manufacturing CA {}", release->key_id(),
                            evidence->key_id(), ca->key_id()));

  TrustRootParts parts;
  parts.version = next_version;
  parts.issued_unix = now;
  parts.expires_unix = now + static_cast<int64_t>(plan.validity_days()) * kSecondsPerDay;
  parts.custodians = records;
  parts.root_threshold = plan.root_threshold();
  parts.approver_threshold = plan.approver_threshold();
  parts.signer = {*release, *evidence, *ca};
  parts.manufacturing_ca_certificate_der = std::move(certificate);
  const ByteView previous = trusted->current_digest().bytes();
  parts.previous_digest.assign(previous.begin(), previous.end());
  auto root = build_trust_root(parts);
  if (!root) return refuse_and_discard(root.error());
  transcript.ok("build", kActor, next + " built:\n" + trust_root_summary(*root));

  ui.step("Sign " + next);
  std::vector<SignerSeat> seats;
  for (const auto& name : *present) {
    SignerSeat seat{card_of(name), {}};
    for (const auto& id : custodian_key_ids(old, name)) seat.key_ids.insert(id);
    for (const auto& record : records) {
      if (record.name != name) continue;
      for (const auto& key : record.keys) seat.key_ids.insert(key.key_id());
    }
    seats.push_back(std::move(seat));
  }
  const Bytes payload = verifier::deterministic_bytes(*root);
  auto envelope = run.table().sign(seats, verifier::kTrustRootType, payload,
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

#include "ceremony/src/init_ceremony.h"

#include <fmt/format.h>

#include "ceremony/src/ceremony_run.h"
#include "ceremony/src/manufacturing_ca.h"
#include "ceremony/src/signer_hsm.h"
#include "ceremony/src/summary.h"
#include "ceremony/src/trust_root_builder.h"
#include "verifier/core/document.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::ceremony {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
const std::string kActor(kCeremonyActor);


// The plan, in the transcript.
void record_plan(const LoadedPlan& loaded, TranscriptRecorder& transcript) {
  const v1::CeremonyPlan& plan = loaded.plan;
  transcript.ok("plan", kActor,
                fmt::format("plan {} (SHA-256 {}): {} custodians, root {} of {}, approver {} "
                            "of {}, validity {} days",
                            loaded.file_name(), loaded.digest.hex(), plan.custodians_size(),
                            plan.root_threshold(), plan.custodians_size(),
                            plan.approver_threshold(), plan.custodians_size(),
                            plan.validity_days()));
}

// The root threshold among the custodians present, before any card is touched; recorded.
Result<void> check_init_quorum(const v1::CeremonyPlan& plan,
                               const std::vector<std::string>& present,
                               TranscriptRecorder& transcript) {
  if (present.size() < plan.root_threshold()) {
    return std::unexpected(
        Error{ErrorCode::kPolicyRefused,
              fmt::format("only {} custodian(s) present ({}) but trust root v1 needs the "
                          "signatures of {} of the {} custodians: come back with more "
                          "custodians (no card was touched)",
                          present.size(), join_names(present), plan.root_threshold(),
                          plan.custodians_size()),
              0,
              {}});
  }
  transcript.ok("quorum", kActor,
                fmt::format("{} present, root threshold {}", present.size(),
                            plan.root_threshold()));
  return {};
}

// The signer HSM, reserved for this ceremony, with none of the three labels taken.
Result<std::unique_ptr<SignerHsm>> open_signer_hsm(const v1::CeremonyPlan& plan,
                                                   CeremonyRun& run) {
  auto hsm = SignerHsm::open(plan.signer(), run.ui(), run.transcript());
  if (!hsm) return hsm;
  if (auto own = run.table().reserve_signer_hsm((*hsm)->token()); !own) {
    return std::unexpected(own.error());
  }
  if (auto free = (*hsm)->check_labels_free({plan.release_key().label(),
                                              plan.evidence_key().label(),
                                              plan.manufacturing_ca_key().label()});
      !free) {
    return std::unexpected(free.error());
  }
  return hsm;
}

// Every custodian's card checked and key read.
Result<std::vector<CustodianRecord>> enrol_custodians(const v1::CeremonyPlan& plan,
                                                      CeremonyRun& run) {
  std::vector<CustodianRecord> custodians;
  for (const auto& c : plan.custodians()) {
    auto enrolled = run.table().enrol(c);
    if (!enrolled) return std::unexpected(enrolled.error());
    custodians.push_back({c.name(), {enrolled->key.public_key()}, enrolled->key.token()});
  }
  return custodians;
}

// The seats at the table: each custodian present signs with the key their card holds.
std::vector<SignerSeat> init_seats(const std::vector<const v1::PlanCustodian*>& at_table,
                                   const std::vector<CustodianRecord>& custodians) {
  std::vector<SignerSeat> seats;
  for (const v1::PlanCustodian* c : at_table) {
    SignerSeat seat{c, {}};
    for (const auto& record : custodians) {
      if (record.name == c->name()) seat.key_ids.insert(record.keys.front().key_id());
    }
    seats.push_back(std::move(seat));
  }
  return seats;
}

// The signed trust root v1 loads as an anchor of the signing host at `now`; recorded.
Result<void> verify_as_anchor(const v1::Envelope& envelope, int64_t now,
                              TranscriptRecorder& transcript) {
  verifier::TrustInputs anchor;
  anchor.chain.push_back({"trust root v1", envelope});
  anchor.anchor = verifier::AnchorPin::signing_host();
  anchor.now_unix = now;
  auto verified = verifier::load_trust(std::move(anchor));
  if (!verified) {
    transcript.failed("verify", kActor, verified.error().message);
    return std::unexpected(verified.error().context("the signed trust root v1"));
  }
  transcript.ok("verify", kActor,
                fmt::format("trust root v1 verifies as an anchor (payload SHA-256 {})",
                            verified->root().current_digest().hex()));
  return {};
}

}  // namespace

CeremonyOutcome run_init(const LoadedPlan& loaded, CeremonyContext& context) {
  const v1::CeremonyPlan& plan = loaded.plan;
  CeremonyRun run("init", loaded.digest.hex(), context);
  CeremonyUi& ui = run.ui();
  TranscriptRecorder& transcript = run.transcript();
  const int64_t now = run.now();
  const int64_t expires = now + static_cast<int64_t>(plan.validity_days()) * kSecondsPerDay;

  ui.step("Plan");
  record_plan(loaded, transcript);
  std::vector<std::string> names;
  for (const auto& c : plan.custodians()) names.push_back(c.name());
  auto present = run.present(names);
  if (!present) return run.refuse(present.error(), {});
  std::vector<const v1::PlanCustodian*> at_table;
  for (const auto& name : *present) at_table.push_back(find_custodian(plan, name));

  ui.step("Quorum");
  if (auto ok = check_init_quorum(plan, *present, transcript); !ok) {
    return run.refuse(ok.error(), at_table);
  }

  // The HSM is checked before the custodians spend their PINs on a ceremony it would stop.
  ui.step("Check the signer HSM");
  auto hsm = open_signer_hsm(plan, run);
  if (!hsm) return run.refuse(hsm.error(), at_table);

  ui.step("Check every custodian's card");
  auto custodians = enrol_custodians(plan, run);
  if (!custodians) return run.refuse(custodians.error(), at_table);

  ui.step("Generate the signer keys inside the signer HSM");
  auto refuse_and_discard = [&](Error error) {
    (*hsm)->discard_generated();
    return run.refuse(std::move(error), at_table);
  };
  auto release = (*hsm)->generate(plan.release_key(), "release");
  if (!release) return refuse_and_discard(release.error());
  auto evidence = (*hsm)->generate(plan.evidence_key(), "evidence");
  if (!evidence) return refuse_and_discard(evidence.error());
  auto ca = (*hsm)->generate(plan.manufacturing_ca_key(), "manufacturing CA");
  if (!ca) return refuse_and_discard(ca.error());

  ui.step("Certify the manufacturing CA");
  auto certificate =
      self_sign_manufacturing_ca(**hsm, *ca, plan.organisation(), now, expires, transcript);
  if (!certificate) return refuse_and_discard(certificate.error());

  TrustRootParts parts;
  parts.version = 1;
  parts.issued_unix = now;
  parts.expires_unix = expires;
  parts.custodians = std::move(*custodians);
  parts.root_threshold = plan.root_threshold();
  parts.approver_threshold = plan.approver_threshold();
  parts.signer = {release->public_key().to_proto(), evidence->public_key().to_proto(),
                  ca->public_key().to_proto()};
  parts.manufacturing_ca_certificate_der = std::move(*certificate);
  auto root = build_trust_root(parts);
  if (!root) return refuse_and_discard(root.error());
  transcript.ok("build", kActor, "trust root v1 built:\n" + trust_root_summary(*root));

  ui.step("Sign trust root v1");
  const Bytes payload = verifier::deterministic_bytes(*root);
  auto envelope = run.table().sign(init_seats(at_table, parts.custodians),
                                   verifier::kTrustRootType, payload,
                                   trust_root_summary(*root), "sign trust root v1");
  if (!envelope) return refuse_and_discard(envelope.error());

  ui.step("Verify trust root v1");
  if (auto ok = verify_as_anchor(*envelope, run.now(), transcript); !ok) {
    return refuse_and_discard(ok.error());
  }
  (*hsm)->keep_generated();
  return run.succeed(std::move(*envelope), std::string(verifier::kTrustRootType), 1,
                     "trust root v1 signed by " + join_names(*present));
}

}  // namespace hallmark::ceremony

#include "ceremony/src/revoke_ceremony.h"

#include <algorithm>
#include <variant>

#include <fmt/format.h>

#include "ceremony/src/ceremony_run.h"
#include "ceremony/src/summary.h"
#include "ceremony/src/trust_root_builder.h"
#include "verifier/core/document.h"
#include "verifier/core/time_format.h"

namespace hallmark::ceremony {
namespace {

const std::string kActor(kCeremonyActor);

Error usage(std::string message) { return Error{ErrorCode::kUsage, std::move(message), 0, {}}; }

Result<v1::Revocation> build_revocation(const RevokeRequest& request,
                                        const verifier::TrustedRoot& root, int64_t now) {
  const v1::TrustRoot& current = root.current();
  v1::Revocation r;
  r.set_trust_root_version(current.version());
  r.set_issued_unix(now);
  if (request.reason.empty()) {
    return std::unexpected(usage("a revocation needs a reason (--reason): say why, for the "
                                 "auditors"));
  }
  r.set_reason(request.reason);
  const std::int64_t effective = request.effective_unix.value_or(now);
  if (effective <= 0 || effective > now) {
    return std::unexpected(usage(fmt::format(
        "--effective {} is {}: a revocation takes effect no later than now ({}); backdate it to "
        "when the compromise may have begun",
        effective, effective <= 0 ? "not a time" : "in the future", verifier::format_utc(now))));
  }
  r.set_effective_unix(effective);
  for (const auto& id : request.key_ids) {
    if (!root_key(current, id)) {
      return std::unexpected(usage(fmt::format(
          "key {} is not in trust root v{}: revoke a key by the id the trust root lists "
          "(stations by --station, bundles by --bundle)",
          id, current.version())));
    }
    r.add_key_ids(id);
  }
  for (const auto& name : request.custodians) {
    if (custodian_key_ids(current, name).empty()) {
      return std::unexpected(usage(fmt::format("'{}' is not a custodian of trust root v{}",
                                               name, current.version())));
    }
    r.add_custodians(name);
  }
  for (const auto& id : request.station_ids) {
    if (id.empty()) return std::unexpected(usage("an empty station id cannot be revoked"));
    r.add_station_ids(id);
  }
  for (const auto& hex : request.bundle_digests_hex) {
    auto digest = verifier::Digest::from_hex(hex);
    if (!digest) {
      return std::unexpected(usage(fmt::format(
          "bundle digest '{}' is not a SHA-256 digest (64 hex digits)", hex)));
    }
    r.add_bundle_digests(std::string(as_chars(digest->bytes())));
  }
  if (r.key_ids_size() + r.custodians_size() + r.station_ids_size() +
          r.bundle_digests_size() ==
      0) {
    return std::unexpected(
        usage("name something to revoke: --key ID, --custodian NAME, --station ID or "
              "--bundle SHA256"));
  }
  return r;
}

// Every item of `r` is refused by `root` (after add_revocation).
Result<void> check_effect(const v1::Revocation& r, const verifier::TrustedRoot& root) {
  for (const auto& id : r.key_ids()) {
    if (!root.key_revoked(id)) {
      return fail(ErrorCode::kInternal, "revoked key " + id + " still counts");
    }
  }
  for (const auto& name : r.custodians()) {
    if (!root.custodian_revoked(name)) {
      return fail(ErrorCode::kInternal, "revoked custodian " + name + " still counts");
    }
  }
  for (const auto& id : r.station_ids()) {
    if (!root.station_revoked(StationId(id))) {
      return fail(ErrorCode::kInternal, "revoked station " + id + " is still accepted");
    }
  }
  for (const auto& d : r.bundle_digests()) {
    if (!root.bundle_revoked(as_bytes(d))) {
      return fail(ErrorCode::kInternal, "revoked bundle is still accepted");
    }
  }
  return {};
}

}  // namespace

CeremonyOutcome run_revoke(const RevokeInput& in, CeremonyContext& context) {
  const v1::CeremonyPlan& plan = in.plan->plan;
  CeremonyRun run("revoke", in.plan->digest.hex(), context);
  CeremonyUi& ui = run.ui();
  TranscriptRecorder& transcript = run.transcript();

  auto trust = open_root_trust(run, *in.plan, in.chain, in.revocations);
  if (!trust) return run.refuse(trust.error(), {});
  const verifier::TrustedRoot* trusted = &trust->root();
  const v1::TrustRoot& current = trusted->current();

  auto revocation = build_revocation(in.request, *trusted, run.now());
  if (!revocation) return run.refuse(revocation.error(), {});
  transcript.ok("build", kActor, "revocation built:\n" + revocation_summary(*revocation));

  auto signed_by =
      sign_by_root_quorum(run, *trusted, plan, "revocation", verifier::kRevocationType,
                          verifier::deterministic_bytes(*revocation), revocation_summary(*revocation));
  if (auto* refused = std::get_if<CeremonyOutcome>(&signed_by)) return std::move(*refused);
  auto& [envelope, table] = std::get<RootSigned>(signed_by);
  const auto& at_table = table.at_table;

  ui.step("Verify the revocation");
  verifier::TrustInputs with = trust->inputs();
  with.revocations.push_back({"the new revocation", envelope});
  auto check = verifier::load_trust(std::move(with));
  Result<void> ok = check ? check_effect(*revocation, check->root())
                          : Result<void>(std::unexpected(check.error()));
  if (!ok) {
    transcript.failed("verify", kActor, ok.error().message);
    return run.refuse(ok.error().context("the signed revocation"), at_table);
  }
  transcript.ok("verify", kActor,
                fmt::format("the revocation verifies against trust root v{} and takes effect",
                            current.version()));
  return run.succeed(std::move(envelope), std::string(verifier::kRevocationType),
                     current.version(), "revocation signed by " + join_names(table.present));
}

}  // namespace hallmark::ceremony

#include "ceremony/src/roster_ceremony.h"

#include <variant>

#include <fmt/format.h>

#include "ceremony/src/ceremony_run.h"
#include "verifier/core/document.h"
#include "verifier/core/time_format.h"
#include "verifier/people/roster.h"

namespace hallmark::ceremony {
namespace {

const std::string kActor(kCeremonyActor);

Error usage(std::string message) { return Error{ErrorCode::kUsage, std::move(message), 0, {}}; }

std::string roster_summary(const v1::PersonRoster& r) {
  std::string out = fmt::format("person roster v{} under trust root v{}, issued {}\nreason: {}\n",
                                r.version(), r.trust_root_version(),
                                verifier::format_utc(r.issued_unix()), r.reason());
  for (const auto& p : r.people()) {
    std::string stations;
    for (const auto& s : p.station_ids()) stations += (stations.empty() ? "" : ", ") + s;
    out += fmt::format("  {:<20} {:<10} card key {}  stations {}  from {}{}\n", p.name(),
                       people::role_name(p.role()), p.key().key_id(), stations,
                       verifier::format_utc(p.valid_from_unix()),
                       p.valid_until_unix() == 0
                           ? std::string()
                           : " until " + verifier::format_utc(p.valid_until_unix()));
  }
  return out;
}

Result<v1::PersonRoster> build_roster(const RosterRequest& request,
                                      const verifier::TrustedRoot& root, int64_t now) {
  if (request.reason.empty()) {
    return std::unexpected(usage("a person roster needs a reason (--reason): a hire, a leaver, "
                                 "a lost card — for the auditors"));
  }
  if (request.people.empty()) {
    return std::unexpected(usage("the roster spec lists nobody: a roster with no people would "
                                 "stop every station"));
  }
  v1::PersonRoster r;
  r.set_version(1);
  if (request.previous) {
    auto previous = people::verify_roster(*request.previous, root);
    if (!previous) return std::unexpected(previous.error().context("the previous roster (--previous)"));
    r.set_version(previous->roster.version() + 1);
  }
  r.set_trust_root_version(root.version());
  r.set_issued_unix(now);
  r.set_reason(request.reason);
  for (v1::RosterPerson person : request.people) {
    if (person.valid_from_unix() == 0) person.set_valid_from_unix(now);
    *r.add_people() = std::move(person);
  }
  if (auto ok = people::check_roster(r, root.version()); !ok) {
    return std::unexpected(usage(ok.error().message));
  }
  return r;
}

}  // namespace

CeremonyOutcome run_roster(const RosterInput& in, CeremonyContext& context) {
  const v1::CeremonyPlan& plan = in.plan->plan;
  CeremonyRun run("roster", in.plan->digest.hex(), context);
  CeremonyUi& ui = run.ui();
  TranscriptRecorder& transcript = run.transcript();

  auto trust = open_root_trust(run, *in.plan, in.chain, in.revocations);
  if (!trust) return run.refuse(trust.error(), {});
  const verifier::TrustedRoot* trusted = &trust->root();
  const v1::TrustRoot& current = trusted->current();

  auto roster = build_roster(in.request, *trusted, run.now());
  if (!roster) return run.refuse(roster.error(), {});
  transcript.ok("build", kActor, "person roster built:\n" + roster_summary(*roster));

  auto signed_by =
      sign_by_root_quorum(run, *trusted, plan, "person roster", people::kPersonRosterType,
                          verifier::deterministic_bytes(*roster), roster_summary(*roster));
  if (auto* refused = std::get_if<CeremonyOutcome>(&signed_by)) return std::move(*refused);
  auto& [envelope, table] = std::get<RootSigned>(signed_by);
  const auto& at_table = table.at_table;

  ui.step("Verify the person roster");
  auto verified = people::verify_roster(envelope, *trusted);
  if (!verified) {
    transcript.failed("verify", kActor, verified.error().message);
    return run.refuse(verified.error().context("the signed person roster"), at_table);
  }
  transcript.ok("verify", kActor,
                fmt::format("person roster v{} (SHA-256 {}) verifies against trust root v{}",
                            roster->version(), verified->digest.hex(), current.version()));
  return run.succeed(std::move(envelope), std::string(people::kPersonRosterType),
                     current.version(),
                     fmt::format("person roster v{} signed by {}", roster->version(),
                                 join_names(table.present)));
}

}  // namespace hallmark::ceremony

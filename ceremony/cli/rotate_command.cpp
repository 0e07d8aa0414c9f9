#include <memory>
#include <optional>

#include <fmt/format.h>

#include "ceremony/cli/ceremony_commands.h"
#include "ceremony/cli/ceremony_options.h"
#include "ceremony/src/outputs.h"
#include "ceremony/src/rotate_ceremony.h"
#include "hallmark/trust.pb.h"

namespace hallmark::ceremony {
namespace {

struct RotateOptions {
  tool::TrustRootFlags trust;  // --trust-root, --revocation
  std::string plan;
  std::optional<std::string> previous_plan;
  std::string out_dir;
  CeremonyOptions ceremony;
};

Result<void> run(const RotateOptions& o, bool json) {
  auto plan = load_plan(o.plan);
  if (!plan) return std::unexpected(plan.error());
  std::optional<LoadedPlan> previous;
  if (o.previous_plan) {
    auto loaded = load_plan(*o.previous_plan);
    if (!loaded) return std::unexpected(loaded.error());
    previous = std::move(*loaded);
  }
  auto chain = read_envelopes(o.trust.chain);
  if (!chain) return std::unexpected(chain.error());
  auto revocations = read_envelopes(o.trust.revocations);
  if (!revocations) return std::unexpected(revocations.error());
  // Named after the version that follows the last one given (what it claims, for naming
  // only: the ceremony verifies the chain).
  uint64_t next = chain->size() + 1;
  if (v1::TrustRoot last; !chain->empty() && last.ParseFromString(chain->back().payload())) {
    next = last.version() + 1;
  }
  auto out_for = [&](uint64_t version) {
    return std::filesystem::path(o.out_dir) / fmt::format("trust-root-v{}.json", version);
  };
  if (auto free = check_output_free(out_for(next)); !free) return free;
  auto ui = make_terminal_ui(o.ceremony, {&*plan, previous ? &*previous : nullptr});
  if (!ui) return std::unexpected(ui.error());
  CeremonyContext context{*ui, system_clock(), o.ceremony.present};
  RotateInput input{*chain, *revocations, &*plan, previous ? &*previous : nullptr};
  const CeremonyOutcome outcome = run_rotate(input, context);
  return finish_ceremony(outcome, out_for(outcome.ok() ? outcome.version : next), json);
}

}  // namespace

void add_rotate_command(tool::CommandLine& cli) {
  auto o = std::make_shared<RotateOptions>();
  auto* cmd = cli.add(cli.app(), "rotate",
                      "Create trust root vN+1 (replace custodians or keys, change thresholds), "
                      "signed by a threshold of vN's root custodians AND of vN+1's; writes "
                      "OUT_DIR/trust-root-vN+1.json and its transcript",
                      [o, &cli] { return run(*o, cli.json()); });
  tool::add_trust_root_flags(*cmd, o->trust, tool::TrustRootFlagUse::kSigningHost);
  cmd->add_option("--plan", o->plan, "The new ceremony plan (custodians, thresholds of vN+1)")
      ->required();
  cmd->add_option("--previous-plan", o->previous_plan,
                  "The plan of vN, for the cards of custodians who leave");
  cmd->add_option("--out-dir", o->out_dir, "Directory for the new version and transcript")
      ->required();
  add_ceremony_options(*cmd, o->ceremony, true);
}

}  // namespace hallmark::ceremony

#include <cstdio>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "ceremony/cli/ceremony_commands.h"
#include "ceremony/cli/ceremony_options.h"
#include "ceremony/src/approve_ceremony.h"
#include "ceremony/src/outputs.h"
#include "verifier/tool/display_json.h"

namespace hallmark::ceremony {
namespace {

struct ApproveOptions {
  std::string bundle;
  TrustFiles files;
  std::string custodian;
  std::string channel;
  std::string request_id;
  std::uint32_t valid_days = kDefaultApprovalDays;
  std::optional<std::string> against;
  std::optional<std::string> history;
  std::string out;
  CeremonyOptions ceremony;
};

Result<void> run(const ApproveOptions& o, bool json) {
  auto files = load_trust_files(o.files);
  if (!files) return std::unexpected(files.error());
  if (auto free = check_output_free(o.out); !free) return free;
  auto ui = make_terminal_ui(o.ceremony, {&files->plan});
  if (!ui) return std::unexpected(ui.error());
  ApproveInput input{o.bundle,      std::nullopt, std::nullopt, files->chain, files->revocations,
                     &files->plan, o.custodian,  o.channel,    o.request_id, o.valid_days};
  if (o.against) input.against = *o.against;
  if (o.history) input.history = *o.history;
  CeremonyContext context{*ui, system_clock(), {}};
  const CeremonyOutcome outcome = run_approve(input, context);
  if (auto ok = finish_ceremony(outcome, o.out, false); !ok) return ok;
  if (json) std::printf("%s\n", tool::to_display_json(*outcome.document).c_str());
  return {};
}

}  // namespace

void add_approve_command(tool::CommandLine& cli) {
  auto o = std::make_shared<ApproveOptions>();
  auto* cmd = cli.add(cli.app(), "approve",
                      "Review a bundle (summary, diff) and sign a promotion statement for it "
                      "with your custodian card",
                      [o, &cli] { return run(*o, cli.json()); });
  cmd->add_option("bundle", o->bundle, "Bundle file to approve")->required();
  add_trust_file_options(*cmd, o->files, "Ceremony plan (where the custodian's card is)");
  cmd->add_option("--custodian", o->custodian, "Who approves (a custodian of the plan)")
      ->required();
  cmd->add_option("--channel", o->channel, "Release channel (e.g. production)")->required();
  cmd->add_option("--request-id", o->request_id, "Change request this approval answers")
      ->required();
  cmd->add_option("--valid-days", o->valid_days, "Days the approval stays valid (default 7)");
  auto* against =
      cmd->add_option("--against", o->against, "Previous promoted bundle of the SKU, for the diff");
  cmd->add_option("--history", o->history,
                  "Promotion history directory: diff against the last bundle promoted for the "
                  "SKU")
      ->excludes(against);
  cmd->add_option("--out", o->out, "Where to write the approval (never replaced)")->required();
  add_ceremony_options(*cmd, o->ceremony, false);
}

}  // namespace hallmark::ceremony

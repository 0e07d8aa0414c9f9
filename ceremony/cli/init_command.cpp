#include <memory>

#include "ceremony/cli/ceremony_commands.h"
#include "ceremony/cli/ceremony_options.h"
#include "ceremony/src/init_ceremony.h"

namespace hallmark::ceremony {
namespace {

struct InitOptions {
  std::string plan;
  std::string out_dir;
  CeremonyOptions ceremony;
};

Result<void> run(const InitOptions& o, bool json) {
  auto plan = load_plan(o.plan);
  if (!plan) return std::unexpected(plan.error());
  const std::filesystem::path out = std::filesystem::path(o.out_dir) / "trust-root-v1.json";
  if (auto free = check_output_free(out); !free) return free;
  auto ui = make_terminal_ui(o.ceremony, {&*plan});
  if (!ui) return std::unexpected(ui.error());
  CeremonyContext context{*ui, system_clock(), o.ceremony.present};
  return finish_ceremony(run_init(*plan, context), out, json);
}

}  // namespace

void add_init_command(tool::CommandLine& cli) {
  auto o = std::make_shared<InitOptions>();
  auto* cmd = cli.add(cli.app(), "init",
                      "Create trust root v1 from a ceremony plan: check every custodian card, "
                      "generate the signer keys inside the HSM, collect a root quorum; writes "
                      "OUT_DIR/trust-root-v1.json and its transcript",
                      [o, &cli] { return run(*o, cli.json()); });
  cmd->add_option("--plan", o->plan, "Ceremony plan (textproto)")->required();
  cmd->add_option("--out-dir", o->out_dir, "Directory for the trust root and transcript")
      ->required();
  add_ceremony_options(*cmd, o->ceremony, true);
}

}  // namespace hallmark::ceremony

#include <memory>

#include "ceremony/cli/ceremony_commands.h"
#include "ceremony/cli/ceremony_options.h"
#include "ceremony/src/enroll_station.h"
#include "ceremony/src/outputs.h"

namespace hallmark::ceremony {
namespace {

struct EnrollOptions {
  std::string plan;
  std::vector<std::string> trust_roots;
  std::vector<std::string> revocations;
  std::string request;
  std::string out;
  CeremonyOptions ceremony;
};

Result<void> run(const EnrollOptions& o, bool json) {
  auto plan = load_plan(o.plan);
  if (!plan) return std::unexpected(plan.error());
  auto chain = read_envelopes(o.trust_roots);
  if (!chain) return std::unexpected(chain.error());
  auto revocations = read_envelopes(o.revocations);
  if (!revocations) return std::unexpected(revocations.error());
  auto request = read_envelope(o.request);
  if (!request) return std::unexpected(request.error());
  if (auto free = check_output_free(o.out); !free) return free;
  auto ui = make_terminal_ui(o.ceremony, {&*plan});
  if (!ui) return std::unexpected(ui.error());
  CeremonyContext context{*ui, system_clock(), o.ceremony.present};
  EnrollInput input{*chain, *revocations, &*plan, &*request};
  return finish_ceremony(run_enroll_station(input, context), o.out, json);
}

}  // namespace

void add_enroll_command(tool::CommandLine& cli) {
  auto o = std::make_shared<EnrollOptions>();
  auto* cmd = cli.add(cli.app(), "enroll-station",
                      "Register a station from its enrollment request: the manufacturing CA "
                      "certifies its device-CA key and a root quorum signs the registration",
                      [o, &cli] { return run(*o, cli.json()); });
  cmd->add_option("--plan", o->plan, "Ceremony plan (custodian cards, signer HSM, validity)")
      ->required();
  cmd->add_option("--trust-root", o->trust_roots, "Trust root chain v1.json ... vN.json, in order")
      ->required();
  cmd->add_option("--revocation", o->revocations, "Revocations to honour (repeatable)");
  cmd->add_option("--request", o->request, "The station's enrollment request (DSSE JSON)")
      ->required();
  cmd->add_option("--out", o->out, "Where to write the signed registration")->required();
  add_ceremony_options(*cmd, o->ceremony, true);
}

}  // namespace hallmark::ceremony

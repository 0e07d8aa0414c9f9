#include <memory>

#include "ceremony/cli/ceremony_commands.h"
#include "ceremony/cli/ceremony_options.h"
#include "ceremony/src/enroll_station.h"
#include "ceremony/src/outputs.h"

namespace hallmark::ceremony {
namespace {

struct EnrollOptions {
  TrustFiles files;
  std::string request;
  std::string out;
  CeremonyOptions ceremony;
};

Result<void> run(const EnrollOptions& o, bool json) {
  auto files = load_trust_files(o.files);
  if (!files) return std::unexpected(files.error());
  auto request = read_envelope(o.request);
  if (!request) return std::unexpected(request.error());
  if (auto free = check_output_free(o.out); !free) return free;
  auto ui = make_terminal_ui(o.ceremony, {&files->plan});
  if (!ui) return std::unexpected(ui.error());
  CeremonyContext context{*ui, system_clock(), o.ceremony.present};
  EnrollInput input{files->chain, files->revocations, &files->plan, &*request};
  return finish_ceremony(run_enroll_station(input, context), o.out, json);
}

}  // namespace

void add_enroll_command(tool::CommandLine& cli) {
  auto o = std::make_shared<EnrollOptions>();
  auto* cmd = cli.add(cli.app(), "enroll-station",
                      "Register a station from its enrollment request: the manufacturing CA "
                      "certifies its device-CA key and a root quorum signs the registration",
                      [o, &cli] { return run(*o, cli.json()); });
  add_trust_file_options(*cmd, o->files, "Ceremony plan (custodian cards, signer HSM, validity)");
  cmd->add_option("--request", o->request, "The station's enrollment request (DSSE JSON)")
      ->required();
  cmd->add_option("--out", o->out, "Where to write the signed registration")->required();
  add_ceremony_options(*cmd, o->ceremony, true);
}

}  // namespace hallmark::ceremony

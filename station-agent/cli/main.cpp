// hallmark-station: the factory station's commands. Links only the verifier, the token
// layer and the shared tool code — never signer or ceremony code (docs/design.md §1).
#include "station-agent/cli/enroll_command.h"
#include "station-agent/cli/export_command.h"
#include "station-agent/cli/inspect_command.h"
#include "station-agent/cli/seal_command.h"
#include "station-agent/cli/line_commands.h"
#include "station-agent/cli/state_commands.h"
#include "hsm-profiles/src/secret_process.h"
#include "verifier/tool/command_line.h"
#include "verifier/core/error.h"

int main(int argc, char** argv) {
  // First: nothing that reads a PIN runs before core dumps are off.
  if (!hallmark::hsm::protect_secret_process_or_report("hallmark-station")) {
    return hallmark::kExitInternal;
  }
  hallmark::tool::CommandLine cli("hallmark-station",
                                  "Hallmark factory station: enrollment and programming");
  hallmark::station::add_enroll_command(cli);
  hallmark::station::add_install_registration_command(cli);
  hallmark::station::add_intake_command(cli);
  hallmark::station::add_install_revocation_command(cli);
  hallmark::station::add_export_command(cli);
  hallmark::station::add_journal_commands(cli);
  hallmark::station::add_line_commands(cli);
  hallmark::station::add_inspect_command(cli);
  return cli.run(argc, argv);
}

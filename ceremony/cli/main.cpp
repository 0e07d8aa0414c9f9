// hallmark-ceremony: custodians' key ceremonies on the signing host.
#include "ceremony/cli/ceremony_commands.h"
#include "ceremony/cli/token_commands.h"
#include "hsm-profiles/src/secret_process.h"
#include "verifier/tool/command_line.h"
#include "verifier/core/error.h"

int main(int argc, char** argv) {
  // First: nothing that reads a PIN runs before core dumps are off.
  if (!hallmark::hsm::protect_secret_process_or_report("hallmark-ceremony")) {
    return hallmark::kExitInternal;
  }
  hallmark::tool::CommandLine cli("hallmark-ceremony",
                                  "Hallmark key ceremonies: custodian cards, trust root, quorum");
  hallmark::ceremony::add_token_commands(cli);
  hallmark::ceremony::add_init_command(cli);
  hallmark::ceremony::add_enroll_command(cli);
  hallmark::ceremony::add_rotate_command(cli);
  hallmark::ceremony::add_revoke_command(cli);
  hallmark::ceremony::add_approve_command(cli);
  hallmark::ceremony::add_roster_command(cli);
  hallmark::ceremony::add_backup_commands(cli);
  return cli.run(argc, argv);
}

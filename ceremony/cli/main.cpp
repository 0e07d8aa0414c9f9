// hallmark-ceremony: custodians' key ceremonies on the signing host.
#include "ceremony/cli/ceremony_commands.h"
#include "ceremony/cli/token_commands.h"
#include "verifier/tool/command_line.h"

int main(int argc, char** argv) {
  hallmark::tool::CommandLine cli("hallmark-ceremony",
                                  "Hallmark key ceremonies: custodian cards, trust root, quorum");
  hallmark::ceremony::add_token_commands(cli);
  hallmark::ceremony::add_init_command(cli);
  hallmark::ceremony::add_enroll_command(cli);
  hallmark::ceremony::add_rotate_command(cli);
  hallmark::ceremony::add_revoke_command(cli);
  hallmark::ceremony::add_approve_command(cli);
  hallmark::ceremony::add_roster_command(cli);
  return cli.run(argc, argv);
}

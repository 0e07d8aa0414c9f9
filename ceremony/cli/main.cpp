// hallmark-ceremony: custodians' key ceremonies on the signing host.
#include "ceremony/cli/token_commands.h"
#include "verifier/tool/command_line.h"

int main(int argc, char** argv) {
  hallmark::tool::CommandLine cli("hallmark-ceremony",
                                  "Hallmark key ceremonies: custodian cards, trust root, quorum");
  hallmark::ceremony::add_token_commands(cli);
  return cli.run(argc, argv);
}

// hallmark-station: the factory station's commands. Links only the verifier, the token
// layer and the shared tool code — never signer or ceremony code (DESIGN.md §1).
#include "station-agent/cli/enroll_command.h"
#include "verifier/tool/command_line.h"

int main(int argc, char** argv) {
  hallmark::tool::CommandLine cli("hallmark-station",
                                  "Hallmark factory station: enrollment and programming");
  hallmark::station::add_enroll_command(cli);
  return cli.run(argc, argv);
}

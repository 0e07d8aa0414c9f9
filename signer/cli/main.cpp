// hallmark-signer: the signing host's release and evidence operations.
#include "signer/cli/bundle_commands.h"
#include "signer/cli/evidence_commands.h"
#include "signer/cli/promote_command.h"
#include "signer/cli/sign_command.h"
#include "hsm-profiles/src/secret_process.h"
#include "verifier/tool/command_line.h"
#include "verifier/core/error.h"

int main(int argc, char** argv) {
  // First: nothing that reads a PIN runs before core dumps are off.
  if (!hallmark::hsm::protect_secret_process_or_report("hallmark-signer")) {
    return hallmark::kExitInternal;
  }
  hallmark::tool::CommandLine cli("hallmark-signer",
                                  "Hallmark signing host: sign documents with keys in the HSM");
  hallmark::signer::add_sign_command(cli);
  hallmark::signer::add_bundle_commands(cli);
  hallmark::signer::add_promote_command(cli);
  hallmark::signer::add_evidence_commands(cli);
  return cli.run(argc, argv);
}

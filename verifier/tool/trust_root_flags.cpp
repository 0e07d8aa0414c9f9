#include "verifier/tool/trust_root_flags.h"

#include <CLI/CLI.hpp>

namespace hallmark::tool {

CLI::Option* add_trust_root_flags(CLI::App& cmd, TrustRootFlags& flags, TrustRootFlagUse use) {
  CLI::Option* root = nullptr;
  switch (use) {
    case TrustRootFlagUse::kPinned:
      root = cmd.add_option("--trust-root", flags.chain, "pinned trust root envelopes, anchor first")
                 ->required()
                 ->type_name("TRUST_ROOT.json");
      cmd.add_option("--pin-digest", flags.pin_digest,
                     "hex SHA-256 of the anchor's payload, obtained out of band");
      cmd.add_option("--revocation", flags.revocations,
                     "revocation envelope to apply; repeat for more")
          ->type_name("FILE");
      break;
    case TrustRootFlagUse::kSigningHost:
      root = cmd.add_option("--trust-root", flags.chain,
                            "Trust root chain v1.json ... vN.json, in order")
                 ->required();
      cmd.add_option("--revocation", flags.revocations, "Revocations to honour (repeatable)");
      break;
    case TrustRootFlagUse::kStationInstall:
      root = cmd.add_option("--trust-root", flags.chain,
                            "Trust root versions, anchor (v1.json) first; pinned on first install")
                 ->required();
      break;
  }
  return root;
}

}  // namespace hallmark::tool

// `hallmark-signer bundle create` and `bundle show`: thin flag handling over hallmark::bundle
// (spec → bundle file; bundle file → summary, and a diff against another bundle).
// Never touches a token: bundles are signed later, at promotion.
#pragma once

#include "verifier/tool/command_line.h"

namespace hallmark::signer {

void add_bundle_commands(tool::CommandLine& cli);

}  // namespace hallmark::signer

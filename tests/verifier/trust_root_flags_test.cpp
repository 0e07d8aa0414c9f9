// The one --trust-root flags struct (verifier/tool/trust_root_flags.h): every front end
// registers the same names through it, the chain keeps its order, and a command that does
// not take a flag refuses it rather than ignoring it.
#include <doctest/doctest.h>

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "verifier/tool/trust_root_flags.h"

using hallmark::tool::add_trust_root_flags;
using hallmark::tool::TrustRootFlags;
using hallmark::tool::TrustRootFlagUse;

namespace {

// Parses `args` (without the program name) into `flags`; the CLI11 error text, or "" on success.
std::string parse(TrustRootFlagUse use, TrustRootFlags& flags, std::vector<std::string> args) {
  CLI::App app("test");
  add_trust_root_flags(app, flags, use);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 wants them reversed
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return e.get_name() + ": " + e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the chain keeps the order given (the anchor is the first file) and revocations come apart") {
  TrustRootFlags flags;
  REQUIRE(parse(TrustRootFlagUse::kSigningHost, flags,
                {"--trust-root", "v1.json", "--trust-root", "v2.json", "--revocation", "r.json"})
              .empty());
  REQUIRE(flags.chain.size() == 2);
  CHECK(flags.chain[0] == "v1.json");
  CHECK(flags.chain[1] == "v2.json");
  REQUIRE(flags.revocations.size() == 1);
  CHECK(flags.revocations[0] == "r.json");
}

TEST_CASE("a command run without --trust-root is refused, whichever front end registers it") {
  for (auto use : {TrustRootFlagUse::kPinned, TrustRootFlagUse::kSigningHost,
                   TrustRootFlagUse::kStationInstall}) {
    TrustRootFlags flags;
    CHECK(parse(use, flags, {}).find("--trust-root") != std::string::npos);
  }
}

TEST_CASE("--pin-digest is an auditor's flag: hallmark-verify takes it, the signing host does not") {
  TrustRootFlags pinned;
  REQUIRE(parse(TrustRootFlagUse::kPinned, pinned,
                {"--trust-root", "v1.json", "--pin-digest", "ab12"})
              .empty());
  CHECK(pinned.pin_digest == "ab12");
  TrustRootFlags host;
  CHECK_FALSE(parse(TrustRootFlagUse::kSigningHost, host,
                    {"--trust-root", "v1.json", "--pin-digest", "ab12"})
                  .empty());
}

TEST_CASE("a station installing its registration takes no --revocation to silently ignore") {
  TrustRootFlags flags;
  CHECK_FALSE(parse(TrustRootFlagUse::kStationInstall, flags,
                    {"--trust-root", "v1.json", "--revocation", "r.json"})
                  .empty());
  CHECK(flags.revocations.empty());
}

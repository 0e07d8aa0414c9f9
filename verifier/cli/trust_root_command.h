// `hallmark-verify trust-root`: walk a trust root chain (anchor first), apply revocations,
// check the newest version is fresh, and print it (text, or v1::TrustRoot as --json).
//
// Flags are declared here; the rules live in hallmark::trust (load_trust, trust.h). This
// file only turns files into envelopes, finds the auditor's pin, names the file at fault
// in every error, and prints the verdict. Reads files, never writes any. load_trust_root()
// is shared with every command that takes --trust-root.
//
// The anchor must be pinned: by --pin-digest HEX, else by the file $HALLMARK_ANCHOR names,
// else by /etc/hallmark/anchor.sha256 (the anchor's payload SHA-256 in hex, installed once
// by the auditor). With none of them the chain is refused, and the refusal prints the
// digest to compare out of band and how to pin it. Every OK line names the anchor.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "verifier/core/error.h"
#include "verifier/io/clock.h"
#include "verifier/tool/command_line.h"
#include "verifier/tool/trust_root_flags.h"
#include "verifier/trust/trust.h"

namespace hallmark::verifier::cli {

// --trust-root, --pin-digest, --revocation: the one flags struct (verifier/tool).
using TrustRootInputs = tool::TrustRootFlags;

// The installed anchor pin, when --pin-digest is not given.
inline constexpr const char* kAnchorEnv = "HALLMARK_ANCHOR";
inline constexpr const char* kDefaultAnchorFile = "/etc/hallmark/anchor.sha256";

struct LoadedTrust {
  Trust trust;
  std::string pinned_by;  // "--pin-digest", or the anchor file that pinned it

  // "trust root anchor <hex> (pinned by ...)", for every OK line.
  [[nodiscard]] std::string anchor_line() const;
};

// Reads the chain and revocations, finds the pin and runs load_trust(); `now_unix` is when
// the newest version must be valid. Errors name the file at fault.
Result<LoadedTrust> load_trust_root(const TrustRootInputs& inputs, int64_t now_unix);

// unix_now() (verifier/io/clock.h) gives --at's default: the library never reads the clock.
using hallmark::unix_now;

struct TrustRootOptions {
  TrustRootInputs inputs;
  std::optional<int64_t> at;  // default: now
  bool json = false;          // the global --json flag
};

// Adds the `trust-root` subcommand; `options` and `command_line` must outlive run().
CLI::App* add_trust_root_command(tool::CommandLine& command_line, TrustRootOptions& options);

Result<void> run_trust_root(const TrustRootOptions& options, std::ostream& out);

}  // namespace hallmark::verifier::cli

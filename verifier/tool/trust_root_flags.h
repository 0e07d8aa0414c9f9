// TrustRootFlags: the trust-root flags of every front end, one struct and one registration.
//
// --trust-root (the chain, anchor v1 first, in order) and --revocation (repeatable, applied
// after the chain) are taken by hallmark-verify, hallmark-signer, hallmark-ceremony and
// hallmark-station alike; --pin-digest only where the command pins the anchor itself
// (hallmark-verify, an auditor's pin obtained out of band). The flags only name files:
// reading them and checking the chain is load_trust's (verifier/trust/trust.h) through each
// front end's one reader. The struct needs no CLI11 (libraries and the consoles hold it);
// add_trust_root_flags() is the one place the flags' names and help are written.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace hallmark::tool {

struct TrustRootFlags {
  std::vector<std::filesystem::path> chain;        // --trust-root: anchor (v1) first
  std::string pin_digest;                          // --pin-digest: hex SHA-256 of the anchor
  std::vector<std::filesystem::path> revocations;  // --revocation: applied after the chain
};

// Which of the flags a command takes (their help says what the command does with them).
enum class TrustRootFlagUse {
  kPinned,           // hallmark-verify: --trust-root, --pin-digest, --revocation
  kSigningHost,      // hallmark-signer, hallmark-ceremony: --trust-root, --revocation
  kStationInstall,   // hallmark-station install-registration: --trust-root, pinned once
};

// Registers the flags of `use` on `cmd` into `flags` (which must outlive the parse);
// --trust-root is required. Returns the --trust-root option, for a command that makes it
// optional or ties other flags to it.
CLI::Option* add_trust_root_flags(CLI::App& cmd, TrustRootFlags& flags, TrustRootFlagUse use);

}  // namespace hallmark::tool

#include "signer/cli/promote_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>
#include <memory>
#include <optional>

#include "hsm-profiles/cli/token_options.h"
#include "hsm-profiles/src/token_key.h"
#include "signer/cli/envelope_files.h"
#include "signer/evidence/event_findings.h"
#include "signer/evidence/station_software.h"
#include "signer/promote/promote.h"
#include "signer/store/evidence_store.h"
#include "verifier/core/dsse.h"
#include "verifier/io/file_io.h"
#include "verifier/tool/display_json.h"

namespace hallmark::signer {
namespace {

namespace fs = std::filesystem;

struct PromoteOptions {
  fs::path bundle;
  std::vector<fs::path> approvals;
  tool::TrustRootFlags trust;  // --trust-root, --revocation
  hsm::TokenOptions key;
  fs::path history;
  std::string channel;
  fs::path out;
  std::optional<std::string> store;  // evidence store that records the release
};

// The promoted release, verified again from `out`, recorded in the evidence store as
// countersign --station-software / --release would record it; returns the store's
// location (any password hidden).
Result<std::string> record_release(const std::string& location, const fs::path& out,
                                   bundle::ReleaseKind kind, const verifier::Trust& trust) {
  auto store = evidence::open_store(location);
  if (!store) return std::unexpected(store.error());
  if (kind == bundle::ReleaseKind::kStationSoftware) {
    auto added = evidence::record_station_software(**store, {out}, trust);
    if (!added) return std::unexpected(added.error());
    return (*store)->location();
  }
  auto firmware = bundle::verify_promoted_bundle(out, trust, {});
  if (!firmware) return std::unexpected(firmware.error());
  if (auto ok = (*store)->begin(); !ok) return std::unexpected(ok.error());
  if (auto ok = (*store)->put_release(evidence::release_row(*firmware)); !ok) {
    (*store)->rollback();
    return std::unexpected(ok.error());
  }
  if (auto ok = (*store)->commit(); !ok) return std::unexpected(ok.error());
  return (*store)->location();
}

Result<void> run_promote(const PromoteOptions& o, bool json) {
  promote::PromoteInput input;
  input.bundle = o.bundle;
  for (const auto& path : o.approvals) {
    auto e = read_envelope(path);
    if (!e) return std::unexpected(e.error());
    input.approvals.push_back({path.filename().string(), std::move(*e)});
  }
  auto chain = read_envelopes(o.trust.chain);
  if (!chain) return std::unexpected(chain.error());
  auto revocations = read_envelopes(o.trust.revocations);
  if (!revocations) return std::unexpected(revocations.error());
  input.chain = std::move(*chain);
  input.revocations = std::move(*revocations);
  input.channel = o.channel;
  input.history_dir = o.history;
  input.out = o.out;
  input.now_unix = unix_now();

  // Everything that needs no key first: a refusal never asks for the PIN.
  auto prepared = promote::prepare_promotion(std::move(input));
  if (!prepared) return std::unexpected(prepared.error());
  std::cerr << fmt::format("Bundle {} {} (digest {}) approved by {}; anti-rollback ok.\n",
                           prepared->record.sku, prepared->record.version,
                           prepared->record.bundle_digest.hex(),
                           fmt::join(prepared->quorum.approvers, ", "));

  auto token = hsm::open_token(o.key, true, std::cerr);
  if (!token) return std::unexpected(token.error());
  auto key = hsm::TokenKey::find(token->session, token->uri);
  if (!key) return std::unexpected(key.error());
  // The provenance and role checks live in the library: ProductionSigner::create() for the
  // key, finish_promotion() for its role in the trust root.
  auto signer = hsm::ProductionSigner::create(
      token->session, std::move(*key), token->profile, hsm::ProductionRole::kRelease,
      hsm::pin_callback(o.key, "PIN for this signature on '" + token->session.token_label() +
                                   "': "));
  if (!signer) return std::unexpected(signer.error());
  promote::ReleaseKey release{.signer = std::move(*signer), .token = token->token};
  auto result = promote::finish_promotion(*prepared, release);
  if (!result) return std::unexpected(result.error());
  if (json) {
    std::cout << tool::to_display_json(result->verified.release) << '\n';
  } else {
    std::cout << fmt::format("Wrote {} ({} bytes)\n", o.out.string(), result->archive_bytes)
              << bundle::render_verified_release(result->verified);
  }
  std::cerr << fmt::format("Recorded in {}\n", prepared->history.file().string());
  if (o.store) {
    auto recorded = record_release(*o.store, o.out, bundle::release_kind(result->verified.bundle),
                                   prepared->trust);
    if (!recorded) {
      return std::unexpected(std::move(recorded).error().context(fmt::format(
          "{} is promoted, but not recorded in the evidence store (give it to "
          "countersign --station-software or --release)",
          o.out.string())));
    }
    std::cerr << fmt::format("Recorded in {}\n", *recorded);
  }
  return {};
}

}  // namespace

void add_promote_command(tool::CommandLine& cli) {
  auto o = std::make_shared<PromoteOptions>();
  auto* cmd = cli.add(cli.app(), "promote",
                      "Promote an approved bundle: check the approval quorum and "
                      "anti-rollback, sign native images and the release with the release "
                      "key, write the promoted bundle atomically (verified before commit)",
                      [o, &cli] { return run_promote(*o, cli.json()); });
  cmd->add_option("bundle", o->bundle, "Bundle file (from bundle create)")->required();
  cmd->add_option("--approval", o->approvals, "Approval file (repeatable)")->required();
  tool::add_trust_root_flags(*cmd, o->trust, tool::TrustRootFlagUse::kSigningHost);
  hsm::add_token_options(*cmd, o->key, "--key",
                         "pkcs11: URI of the release key, e.g. "
                         "'pkcs11:token=signer-hsm;object=release'");
  cmd->add_option("--history", o->history, "Promotion history directory (anti-rollback)")
      ->required();
  cmd->add_option("--channel", o->channel, "Release channel the approvals name")->required();
  cmd->add_option("--out", o->out, "Promoted bundle to write (never replaced)")->required();
  cmd->add_option("--store", o->store,
                  "Evidence store to record the promoted release in (SQLite file or "
                  "postgres:CONNINFO): countersign then compares with it without the file");
}

}  // namespace hallmark::signer

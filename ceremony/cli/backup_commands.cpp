// `hallmark-ceremony backup` and `restore`: flags → ceremony/src/backup_ceremony.h and
// restore_ceremony.h → files. Share files are written 0600 and exclusively (never over an
// earlier share); a refused ceremony writes its transcript and nothing else.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "ceremony/cli/ceremony_commands.h"
#include "ceremony/cli/ceremony_options.h"
#include "ceremony/src/backup_ceremony.h"
#include "ceremony/src/outputs.h"
#include "ceremony/src/restore_ceremony.h"
#include "verifier/io/file_io.h"

namespace hallmark::ceremony {
namespace {

namespace fs = std::filesystem;
constexpr std::size_t kMaxShareFileBytes = 4096;

struct BackupOptions {
  TrustFiles files;
  std::string out_dir;
  std::string signer_so_pin = "prompt";
  std::vector<std::string> passphrases;
  CeremonyOptions ceremony;
};

struct RestoreOptions {
  TrustFiles files;
  std::string manifest;
  std::vector<std::string> shares;
  std::string out_dir;
  std::vector<std::string> passphrases;
  CeremonyOptions ceremony;
};

fs::path share_path(const fs::path& dir, const std::string& custodian) {
  return dir / fmt::format("share-{}.hshare", custodian);
}

Result<TerminalUi> secrets_ui(const CeremonyOptions& ceremony, const LoadedPlan& plan,
                              const std::vector<std::string>& passphrases,
                              const std::string* so_pin) {
  auto ui = make_terminal_ui(ceremony, {&plan});
  if (!ui) return ui;
  if (auto ok = ui->set_passphrases(passphrases); !ok) return std::unexpected(ok.error());
  if (so_pin != nullptr) {
    if (auto ok = ui->set_signer_so_pin(*so_pin); !ok) return std::unexpected(ok.error());
  }
  return ui;
}

Result<void> run_backup_command(const BackupOptions& o, bool json) {
  auto loaded = load_trust_files(o.files);
  if (!loaded) return std::unexpected(loaded.error());
  const fs::path manifest_path = fs::path(o.out_dir) / "backup-manifest.json";
  if (auto free = check_output_free(manifest_path); !free) return free;
  for (const auto& c : loaded->plan.plan.custodians()) {
    if (auto free = check_output_free(share_path(o.out_dir, c.name())); !free) return free;
  }
  auto ui = secrets_ui(o.ceremony, loaded->plan, o.passphrases, &o.signer_so_pin);
  if (!ui) return std::unexpected(ui.error());
  CeremonyContext context{*ui, system_clock(), o.ceremony.present};
  const BackupOutcome result =
      run_backup({loaded->chain, loaded->revocations, &loaded->plan}, context);
  std::vector<fs::path> written;
  for (const auto& share : result.shares) {
    const fs::path path = share_path(o.out_dir, share.custodian());
    const std::string bytes = share.SerializeAsString();
    if (auto ok = fileio::write_file_exclusive(path, as_bytes(bytes), 0600); !ok) {
      for (const auto& done : written) fs::remove(done);
      return std::unexpected(ok.error().context("share of " + share.custodian()));
    }
    written.push_back(path);
  }
  if (auto ok = finish_ceremony(result.outcome, manifest_path, json); !ok) {
    for (const auto& done : written) fs::remove(done);
    return ok;
  }
  for (const auto& path : written) {
    std::cerr << fmt::format("  share:      {} (give it to its custodian only)\n", path.string());
  }
  return {};
}

Result<void> run_restore_command(const RestoreOptions& o) {
  auto loaded = load_trust_files(o.files);
  if (!loaded) return std::unexpected(loaded.error());
  auto manifest = read_envelope(o.manifest);
  if (!manifest) return std::unexpected(manifest.error());
  std::vector<ShareFile> shares;
  for (const auto& path : o.shares) {
    auto bytes = fileio::read_file(path, kMaxShareFileBytes);
    if (!bytes) return std::unexpected(bytes.error());
    ShareFile file{fs::path(path).filename().string(), {}};
    if (!file.share.ParseFromArray(bytes->data(), static_cast<int>(bytes->size()))) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("{} is not a share file: bring the file hallmark-ceremony "
                              "backup wrote for the custodian",
                              path));
    }
    shares.push_back(std::move(file));
  }
  auto ui = secrets_ui(o.ceremony, loaded->plan, o.passphrases, nullptr);
  if (!ui) return std::unexpected(ui.error());
  CeremonyContext context{*ui, system_clock(), o.ceremony.present};
  CeremonyOutcome outcome = run_restore(
      {loaded->chain, loaded->revocations, &loaded->plan, &*manifest, shares}, context);
  const bool ok = outcome.ok();
  // The restore writes no document (the keys went into the HSM): its transcript only.
  outcome.document.reset();
  auto written = write_outcome(outcome, fs::path(o.out_dir) / "restore.json");
  if (!written) return std::unexpected(written.error());
  if (!ok) {
    Error error = outcome.error.value_or(Error{ErrorCode::kInternal, "restore failed", 0, {}});
    error.message += fmt::format(" — transcript written to {}; nothing was imported",
                                 written->transcript.string());
    return std::unexpected(std::move(error));
  }
  std::cerr << fmt::format("\nThe restore ceremony succeeded.\n  transcript: {}\n",
                           written->transcript.string());
  return {};
}

}  // namespace

void add_backup_commands(tool::CommandLine& cli) {
  auto b = std::make_shared<BackupOptions>();
  auto* backup = cli.add(
      cli.app(), "backup",
      "Back up the signer HSM's keys the plan marks backup: true, wrapped under a key split "
      "among the custodians at the table (any root threshold of them restore); writes "
      "OUT_DIR/backup-manifest.json, its transcript and OUT_DIR/share-NAME.hshare per custodian",
      [b, &cli] { return run_backup_command(*b, cli.json()); });
  add_trust_file_options(*backup, b->files, "The ceremony plan (keys, custodians, signer HSM)");
  backup->add_option("--out-dir", b->out_dir, "Directory for the manifest, transcript and shares")
      ->required();
  backup->add_option("--signer-so-pin", b->signer_so_pin,
                     "Where the signer HSM's security officer PIN comes from (it marks the "
                     "backup's wrapping key trusted)")
      ->capture_default_str();
  backup->add_option("--passphrase", b->passphrases,
                     "Where a custodian's share passphrase comes from, NAME=SOURCE (prompt, "
                     "file:PATH, fd:N, env:VAR; default: prompt)");
  add_ceremony_options(*backup, b->ceremony, true);

  auto r = std::make_shared<RestoreOptions>();
  auto* restore = cli.add(
      cli.app(), "restore",
      "Restore a backup into a fresh, empty signer HSM (the plan's signer.uri) with the shares "
      "of a threshold of custodians; writes OUT_DIR/restore.transcript.json",
      [r] { return run_restore_command(*r); });
  add_trust_file_options(*restore, r->files,
                         "The ceremony plan (custodians' cards, the new signer HSM)");
  restore->add_option("--manifest", r->manifest, "The signed backup-manifest.json")->required();
  restore->add_option("--share", r->shares, "A custodian's share file (repeatable)")->required();
  restore->add_option("--out-dir", r->out_dir, "Directory for the transcript")->required();
  restore->add_option("--passphrase", r->passphrases,
                      "Where a custodian's share passphrase comes from, NAME=SOURCE");
  add_ceremony_options(*restore, r->ceremony, true);
}

}  // namespace hallmark::ceremony

#include <charconv>
#include <memory>
#include <string>
#include <system_error>

#include "ceremony/cli/ceremony_commands.h"
#include "ceremony/cli/ceremony_options.h"
#include "ceremony/src/outputs.h"
#include "ceremony/src/revoke_ceremony.h"
#include "verifier/core/time_format.h"

namespace hallmark::ceremony {
namespace {

struct RevokeOptions {
  TrustFiles files;
  RevokeRequest request;
  std::string out;
  CeremonyOptions ceremony;
};

Result<void> run(const RevokeOptions& o, bool json) {
  auto files = load_trust_files(o.files);
  if (!files) return std::unexpected(files.error());
  if (auto free = check_output_free(o.out); !free) return free;
  auto ui = make_terminal_ui(o.ceremony, {&files->plan});
  if (!ui) return std::unexpected(ui.error());
  CeremonyContext context{*ui, system_clock(), o.ceremony.present};
  RevokeInput input{files->chain, files->revocations, &files->plan, o.request};
  return finish_ceremony(run_revoke(input, context), o.out, json);
}

}  // namespace

void add_revoke_command(tool::CommandLine& cli) {
  auto o = std::make_shared<RevokeOptions>();
  auto* cmd = cli.add(cli.app(), "revoke",
                      "Revoke keys, custodians, stations or bundle digests, signed by a root "
                      "quorum; later verifications honour it",
                      [o, &cli] { return run(*o, cli.json()); });
  add_trust_file_options(*cmd, o->files, "Ceremony plan (where the custodians' cards are)");
  cmd->add_option("--key", o->request.key_ids, "Key id to revoke (repeatable)");
  cmd->add_option("--custodian", o->request.custodians, "Custodian to revoke (repeatable)");
  cmd->add_option("--station", o->request.station_ids, "Station id to revoke (repeatable)");
  cmd->add_option("--bundle", o->request.bundle_digests_hex,
                  "Bundle SHA-256 (hex) to revoke (repeatable)");
  cmd->add_option("--reason", o->request.reason, "Why (recorded in the revocation)")->required();
  cmd->add_option_function<std::string>(
         "--effective",
         [o](const std::string& when) {
           if (auto day = verifier::parse_utc_day(when)) {
             o->request.effective_unix = *day;
             return;
           }
           std::int64_t unix = 0;
           const auto [end, ec] = std::from_chars(when.data(), when.data() + when.size(), unix);
           if (ec != std::errc() || end != when.data() + when.size()) {
             throw CLI::ValidationError("--effective",
                                        "'" + when + "' is neither YYYY-MM-DD (UTC) nor UNIX seconds");
           }
           o->request.effective_unix = unix;
         },
         "From when it is revoked: YYYY-MM-DD (00:00 UTC) or UNIX seconds, not later than now "
         "(default now). Evidence countersigned before then still verifies")
      ->type_name("WHEN");
  cmd->add_option("--out", o->out, "Where to write the signed revocation")->required();
  add_ceremony_options(*cmd, o->ceremony, false);
}

}  // namespace hallmark::ceremony

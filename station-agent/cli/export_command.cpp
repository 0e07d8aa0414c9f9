#include "station-agent/cli/export_command.h"
#include "station-agent/cli/station_token.h"

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "hsm-profiles/cli/token_options.h"
#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/token_key.h"
#include "hsm-profiles/profile/production_signer.h"
#include "station-agent/journal/journal.h"
#include "station-agent/journal/journal_export.h"
#include "station-agent/station/station_line.h"
#include "verifier/io/clock.h"

namespace hallmark::station {
namespace {

struct ExportOptions {
  hsm::TokenOptions token;
  std::string state;       // --state: the journal and station id of that station
  std::string journal;     // --journal: a journal file outside a state directory
  std::string station_id;
  std::string out;
};

Result<void> run_export(ExportOptions o) {
  // Like every station command, --state names the station: its journal and, from its
  // registration, its id. --journal/--station-id name a journal file anywhere else.
  if (!o.state.empty()) {
    if (!o.journal.empty()) {
      return fail(ErrorCode::kUsage, "give --state (the station's state directory) or "
                                     "--journal, not both");
    }
    auto id = installed_station_id(o.state);
    if (!id) return std::unexpected(id.error());
    if (!o.station_id.empty() && o.station_id != *id) {
      return fail(ErrorCode::kUsage,
                  fmt::format("--station-id {} but the state {} is station {}", o.station_id,
                              o.state, *id));
    }
    o.station_id = *id;
    o.journal = journal_file(o.state).string();
  } else if (o.journal.empty() || o.station_id.empty()) {
    return fail(ErrorCode::kUsage,
                "give the station's state directory with --state (or a journal file with "
                "--journal and its --station-id)");
  }
  // The journal first: a damaged journal is reported before a PIN is asked. Journal::open
  // creates a missing journal, which here would sign a checkpoint of an empty journal in
  // place of the real one: a mistyped --journal is refused instead.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(o.journal, ec)) {
    return fail(ErrorCode::kIo,
                fmt::format("journal {}: {}: give the station's journal with --journal (export "
                            "never creates one)",
                            o.journal, ec ? ec.message() : "not a regular file"));
  }
  // Opened where the last export ended (when the export state says where that record is),
  // so an export reads the new records only, however long the journal: the records before
  // were exported already, and the journal checks that the resume point is its record.
  auto state = read_export_state(o.journal);
  if (!state) return std::unexpected(std::move(state).error());
  auto journal = Journal::open(o.journal, StationId(o.station_id), state->resume);
  if (!journal) return std::unexpected(std::move(journal).error());
  if (const auto& torn = journal->recovered_tail()) {
    std::cerr << fmt::format("journal {} ends in a torn write of {} bytes at offset {} ({}): "
                             "the records before it are exported; the station cuts the tail "
                             "and journals the repair (JOURNAL_REPAIRED) when its line next "
                             "opens\n",
                             o.journal, torn->bytes, torn->offset, torn->reason);
  }
  auto token = hsm::open_token(o.token, true, std::cerr);
  if (!token) return std::unexpected(token.error());
  auto key = find_labelled_key(token->session, kStationKeyLabel);
  if (!key) return std::unexpected(key.error());
  const std::string prompt = "PIN for this signature on '" + token->session.token_label() + "': ";
  auto signer = hsm::ProductionSigner::create(token->session, std::move(*key), token->profile,
                                              hsm::ProductionRole::kStation,
                                              hsm::pin_callback(o.token, prompt));
  if (!signer) return std::unexpected(signer.error());

  auto exported = export_journal(*journal, o.out, unix_now(), *signer);
  if (!exported) return std::unexpected(exported.error());
  std::cout << fmt::format("station id   {}\n", exported->station_id());
  std::cout << fmt::format("records      {}..{} ({} records)\n", exported->first_sequence(),
                           exported->last_sequence(), exported->records_size());
  std::cout << fmt::format("head hash    {}\n", journal->head().hash.hex());
  std::cout << fmt::format("read         {} journal records{}\n", journal->records_read(),
                           journal->resumed() ? fmt::format(" (from record {})",
                                                            state->last_sequence)
                                              : " (the whole journal)");
  std::cout << fmt::format("export       {}\n", o.out);
  return {};
}

}  // namespace

void add_export_command(tool::CommandLine& cli) {
  auto o = std::make_shared<ExportOptions>();
  auto* cmd = cli.add(cli.app(), "export",
                      "Export the journal since the last export, with a checkpoint signed "
                      "by the station key, for the signer",
                      [o] { return run_export(*o); });
  hsm::add_token_options(*cmd, o->token, "--token", "pkcs11: URI of the station's token");
  cmd->add_option("--state", o->state,
                  "The station's state directory: exports its journal, as its registered "
                  "station")
      ->type_name("DIR");
  cmd->add_option("--journal", o->journal,
                  "A journal file (instead of --state; needs --station-id)");
  cmd->add_option("--station-id", o->station_id, "This station's id (with --journal)");
  cmd->add_option("--out", o->out, "Where to write the export (atomically)")->required();
}

}  // namespace hallmark::station

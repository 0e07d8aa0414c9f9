#include "station-agent/cli/seal_command.h"

#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "station-agent/cli/station_token.h"
#include "station-agent/station/seal_acknowledgement.h"
#include "station-agent/station/station_line.h"
#include "verifier/io/file_io.h"

namespace hallmark::station {
namespace {

constexpr std::size_t kMaxManifestFileBytes = 4u * 1024u * 1024u;

struct SealOptions {
  LineCliOptions line;
  std::string acknowledged;
  std::string out;
};

Result<void> run_seal(const SealOptions& o) {
  // The acknowledgement is read before a PIN is asked; it is verified under the line's trust.
  auto json = fileio::read_file(o.acknowledged, kMaxManifestFileBytes);
  if (!json) return std::unexpected(json.error());
  auto opened = open_line(o.line, std::cerr);
  if (!opened) return std::unexpected(opened.error());
  auto& line = (*opened)->line();
  auto ack = verify_seal_acknowledgement(as_chars(*json), o.acknowledged, line.root(),
                                         line.station_id());
  if (!ack) return std::unexpected(ack.error());
  auto sealed = line.seal_journal(*ack, o.out);
  if (!sealed) return std::unexpected(sealed.error());
  std::cout << fmt::format("station      {}\n", line.station_id());
  std::cout << fmt::format("segment      {} (records {}..{}, checkpoint of record {})\n", o.out,
                           sealed->segment.first_sequence(), sealed->segment.last_sequence(),
                           sealed->through.sequence);
  std::cout << fmt::format("acknowledged log entry {} (tree size {})\n", ack->log_index,
                           ack->tree_size);
  std::cout << fmt::format("journal      starts after record {} ({}), {} bytes removed\n",
                           sealed->through.sequence, sealed->through.hash.hex(),
                           sealed->bytes_removed);
  return {};
}

}  // namespace

void add_journal_commands(tool::CommandLine& cli) {
  auto* journal = cli.app().add_subcommand("journal", "The station journal: seal into segments");
  auto o = std::make_shared<SealOptions>();
  auto* cmd = cli.add(*journal, "seal",
                      "Move the records the signer acknowledged into a segment file to archive "
                      "off the station",
                      [o] { return run_seal(*o); });
  add_line_options(*cmd, o->line);
  cmd->add_option("--acknowledged", o->acknowledged,
                  "A manifest file of this station's newest countersigned event "
                  "(hallmark-signer manifests): records up to it are sealed")
      ->required();
  cmd->add_option("--out", o->out, "The segment file to write (never replaced)")->required();
}

}  // namespace hallmark::station

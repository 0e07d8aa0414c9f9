#include "verifier/cli/journal_command.h"

#include <cstdint>
#include <iostream>

#include <fmt/format.h>

#include "hallmark/station.pb.h"
#include "verifier/core/public_key.h"
#include "verifier/io/file_io.h"
#include "verifier/journal/station_export.h"

namespace hallmark::verifier::cli {
namespace {

constexpr std::size_t kMaxPemFileBytes = 64 * 1024;
constexpr std::size_t kMaxExportBytes = 1024u * 1024u * 1024u;

Result<VerifiedExport> verify_file(const std::filesystem::path& path, const PublicKey& key,
                                   std::optional<ChainPoint> previous) {
  auto bytes = fileio::read_file(path, kMaxExportBytes);
  if (!bytes) return std::unexpected(std::move(bytes).error());
  v1::StationExport exported;
  if (bytes->size() > static_cast<std::size_t>(INT32_MAX) ||
      !exported.ParseFromArray(bytes->data(), static_cast<int>(bytes->size()))) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("{}: not a station export", path.string()));
  }
  auto verified = verify_station_export(exported, key, previous);
  if (!verified) return std::unexpected(std::move(verified).error().context(path.string()));
  return verified;
}

}  // namespace

Result<void> run_journal(const JournalOptions& options, std::ostream& out) {
  auto pem = fileio::read_file(options.station_key, kMaxPemFileBytes);
  if (!pem) return std::unexpected(std::move(pem).error());
  auto key = PublicKey::from_pem(as_chars(*pem));
  if (!key) return std::unexpected(std::move(key).error().context(options.station_key.string()));

  std::optional<ChainPoint> previous;
  if (options.previous) {
    auto earlier = verify_file(*options.previous, *key, std::nullopt);
    if (!earlier) return std::unexpected(std::move(earlier).error());
    if (!earlier->anchored) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("{}: does not start at record 1, so it cannot anchor another "
                              "export by itself", options.previous->string()));
    }
    previous = earlier->head;
  }
  auto verified = verify_file(options.export_file, *key, previous);
  if (!verified) return std::unexpected(std::move(verified).error());
  out << fmt::format("OK: {} verified\n", options.export_file.string());
  out << fmt::format("station id   {}\n", verified->station_id);
  out << fmt::format("records      {}..{} ({} records)\n", verified->first_sequence,
                     verified->last_sequence, verified->attestations.size());
  out << fmt::format("head hash    {}\n", verified->head.hash.hex());
  out << fmt::format("chain start  record {} ({})\n", verified->start.sequence,
                     verified->anchored ? "anchored"
                                        : "NOT anchored: give --previous to check the link");
  return {};
}

void add_journal_command(tool::CommandLine& command_line, JournalOptions& options) {
  CLI::App* sub = command_line.add(
      command_line.app(), "journal",
      "Verify a station journal export against the station's public key (PEM)",
      [&options] { return run_journal(options, std::cout); });
  sub->add_option("file", options.export_file, "station export (StationExport protobuf)")
      ->required();
  sub->add_option("--station-key", options.station_key, "the station's public key, PEM")
      ->required()
      ->type_name("PUB.pem");
  sub->add_option("--previous", options.previous,
                  "the export this one continues (verified too; its head starts the chain)");
}

}  // namespace hallmark::verifier::cli

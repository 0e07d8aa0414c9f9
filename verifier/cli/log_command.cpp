#include "verifier/cli/log_command.h"

#include <fmt/format.h>

#include <iostream>
#include <string>

#include "hallmark/evidence.pb.h"
#include "verifier/cli/manifest_command.h"
#include "verifier/core/time_format.h"
#include "verifier/log/log_segment.h"
#include "verifier/log/segment_file.h"
#include "verifier/tool/display_json.h"

namespace hallmark::verifier::cli {
namespace {

// Streamed (segment_file.h): memory does not grow with the day's size.
Result<VerifiedSegment> verify_file(const std::filesystem::path& path, const TrustedRoot& root,
                                    const std::optional<v1::LogCheckpoint>& earlier) {
  auto file = read_segment_head(path);
  if (!file) return std::unexpected(std::move(file).error());
  auto verified = verify_log_segment(file->head, file->entry_count, segment_entries(*file), root, earlier);
  if (!verified) return std::unexpected(std::move(verified).error().context(path.string()));
  return verified;
}

}  // namespace

CLI::App* add_log_command(tool::CommandLine& command_line, LogOptions& options) {
  CLI::App* sub = command_line.add(
      command_line.app(), "log",
      "Verify a retention segment of the evidence log: checkpoints, every entry against the "
      "signed root, consistency with the tree before it",
      [&command_line, &options] {
        options.json = command_line.json();
        return run_log(options, std::cout);
      });
  sub->add_option("segment", options.segment, "log segment (LogSegment protobuf)")
      ->required()
      ->type_name("FILE.segment");
  sub->add_option("--previous", options.previous,
                  "the segment this one continues (verified too; this one must start where it "
                  "ends)")
      ->type_name("EARLIER.segment");
  add_trust_root_flags(*sub, options.trust_root, options.at);
  return sub;
}

Result<void> run_log(const LogOptions& options, std::ostream& out) {
  auto root = load_trust_root(options.trust_root, options.at.value_or(unix_now()));
  if (!root) return std::unexpected(std::move(root).error());
  std::optional<v1::LogCheckpoint> earlier;
  if (options.previous) {
    auto verified = verify_file(*options.previous, root->trust.root(), std::nullopt);
    if (!verified) return std::unexpected(std::move(verified).error());
    earlier = verified->checkpoint;
  }
  auto verified = verify_file(options.segment, root->trust.root(), earlier);
  if (!verified) return std::unexpected(std::move(verified).error());
  if (options.json) {
    const std::string json = tool::to_display_json(verified->checkpoint);
    out << json << (json.ends_with('\n') ? "" : "\n");
    return {};
  }
  const v1::LogCheckpoint& c = verified->checkpoint;
  out << fmt::format("OK: {} verified under {}\n", options.segment.string(),
                     root->anchor_line());
  out << fmt::format("day           {}\n", verified->day);
  if (verified->entry_count == 0) {
    out << fmt::format("entries       0 (at index {})\n", verified->first_index);
  } else {
    out << fmt::format("entries       {} (index {}..{})\n", verified->entry_count,
                       verified->first_index, verified->last_index);
  }
  out << fmt::format("checkpoint    tree size {}, root {}, {}\n", c.tree_size(),
                     to_hex(as_bytes(c.root_hash())), format_utc(c.time_unix()));
  out << fmt::format("continues     {}\n",
                     verified->first_index == 0
                         ? std::string("the start of the log")
                         : options.previous ? "--previous " + options.previous->string()
                                            : std::string("a tree of ") +
                                                  std::to_string(verified->first_index) +
                                                  " leaves (give --previous to check the link)");
  return {};
}

}  // namespace hallmark::verifier::cli

#include "signer/cli/bundle_commands.h"

#include <unistd.h>

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "verifier/bundle/bundle_show.h"
#include "signer/bundle/bundle_spec.h"
#include "signer/bundle/bundle_writer.h"
#include "verifier/bundle/promotion_history.h"
#include "verifier/bundle/bundle_reader.h"
#include "verifier/bundle/key_mapping.h"
#include "verifier/tool/display_json.h"
#include "verifier/io/clock.h"

namespace hallmark::signer {
namespace {

namespace fs = std::filesystem;

// Images smaller than this are hashed too fast for progress to be worth printing.
constexpr std::uint64_t kProgressMinBytes = 8 * 1024 * 1024;
constexpr double kMiB = 1024.0 * 1024.0;

struct CreateOptions {
  fs::path spec;
  fs::path catalog;
  fs::path out;
};

struct ShowOptions {
  fs::path bundle;
  std::optional<fs::path> against;
  std::optional<fs::path> history;
};

// SOURCE_DATE_EPOCH (reproducible builds) fixes the creation time; otherwise now.
Result<std::int64_t> creation_time() {
  const char* fixed = std::getenv("SOURCE_DATE_EPOCH");
  if (fixed == nullptr || *fixed == '\0') return unix_now();
  std::int64_t value = 0;
  const std::string_view text(fixed);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return fail(ErrorCode::kUsage,
                fmt::format("SOURCE_DATE_EPOCH='{}' is not a number of seconds", text));
  }
  return value;
}

// "hashing app: 12.0 / 64.0 MiB" — rewritten in place on a terminal, every quarter in a log.
bundle::CreateProgress progress_printer() {
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  auto last_quarter = std::make_shared<std::uint64_t>(0);
  return [tty, last_quarter](bundle::Stage stage, std::string_view image, std::uint64_t done,
                             std::uint64_t total) {
    if (total < kProgressMinBytes) return;
    const char* verb = stage == bundle::Stage::kHashing ? "hashing" : "copying";
    const std::string line =
        fmt::format("{} {}: {:.1f} / {:.1f} MiB", verb, image, static_cast<double>(done) / kMiB,
                    static_cast<double>(total) / kMiB);
    if (tty) {
      std::cerr << '\r' << line << (done == total ? "\n" : "") << std::flush;
      return;
    }
    const std::uint64_t quarter = done * 4 / total;
    if (done == total || quarter != *last_quarter) std::cerr << line << '\n';
    *last_quarter = done == total ? 0 : quarter;
  };
}

Result<void> run_create(const CreateOptions& o, bool json) {
  auto spec = bundle::load_bundle_spec(o.spec);
  if (!spec) return std::unexpected(spec.error());
  auto catalog = bundle::load_sku_catalog(o.catalog);
  if (!catalog) return std::unexpected(catalog.error());
  auto now = creation_time();
  if (!now) return std::unexpected(now.error());
  const fs::path spec_dir = o.spec.has_parent_path() ? o.spec.parent_path() : fs::path(".");
  auto summary = bundle::create_bundle(*spec, spec_dir, *catalog, o.out, *now, progress_printer());
  if (!summary) {
    return std::unexpected(std::move(summary).error().context(
        fmt::format("bundle spec {}", o.spec.string())));
  }
  if (json) {
    std::cout << tool::to_display_json(summary->bundle) << '\n';
  } else {
    std::cout << fmt::format("Wrote {} ({} bytes)\n\n", o.out.string(), summary->archive_bytes)
              << bundle::render_summary(summary->bundle, summary->bundle_digest);
  }
  std::cerr << fmt::format("bundle digest {} (custodians approve this)\n",
                           summary->bundle_digest.hex());
  return {};
}

std::string other_entries(const bundle::BundleContents& contents) {
  std::string out;
  for (const auto& entry : contents.entries) {
    if (entry.kind != bundle::EntryKind::kNative && entry.kind != bundle::EntryKind::kPromotion) {
      continue;
    }
    out += fmt::format("  {}  {} bytes  sha256 {}\n", entry.name, entry.size, entry.sha256.hex());
  }
  return out.empty() ? out : "\nPromotion entries\n" + out;
}

// The key-id mapping recorded in a promoted bundle; empty for an unpromoted one.
Result<std::string> recorded_mapping(const bundle::BundleContents& contents) {
  auto mapping = bundle::recorded_key_id_mapping(contents);
  if (!mapping) return std::unexpected(std::move(mapping).error().context(contents.path.string()));
  if (!*mapping) return std::string();
  return "\n" + bundle::render_key_id_mapping(**mapping) +
         "  (as recorded in the bundle, signatures not checked: run hallmark-verify bundle to "
         "check)\n";
}

// What to diff against: --against FILE, or the last promoted of the SKU in --history DIR
// (no baseline when the SKU was never promoted).
struct Comparison {
  bool asked = false;
  std::optional<bundle::Baseline> baseline;
};

Result<Comparison> comparison_for(const ShowOptions& o, const v1::Bundle& bundle) {
  if (o.against) {
    auto read = bundle::read_bundle(*o.against);
    if (!read) return std::unexpected(read.error());
    return Comparison{true, bundle::Baseline{std::move(read->bundle), read->bundle_digest,
                                             o.against->string()}};
  }
  if (!o.history) return Comparison{};
  auto last = promote::last_promoted(*o.history, bundle.sku());
  if (!last) return std::unexpected(last.error());
  if (!*last) return Comparison{true, std::nullopt};
  return Comparison{true, bundle::Baseline{std::move((*last)->bundle),
                                           (*last)->record.bundle_digest,
                                           promote::describe(**last)}};
}

Result<void> run_show(const ShowOptions& o, bool json) {
  auto contents = bundle::read_bundle(o.bundle);
  if (!contents) return std::unexpected(contents.error());
  auto comparison = comparison_for(o, contents->bundle);
  if (!comparison) return std::unexpected(comparison.error());
  if (json) {
    std::cout << tool::to_display_json(contents->bundle) << '\n';
    return {};
  }
  auto mapping = recorded_mapping(*contents);
  if (!mapping) return std::unexpected(mapping.error());
  std::cout << bundle::render_summary(contents->bundle, contents->bundle_digest)
            << other_entries(*contents) << *mapping;
  if (comparison->asked) {
    auto changes = bundle::render_changes(comparison->baseline, contents->bundle,
                                          contents->bundle_digest);
    if (!changes) return std::unexpected(changes.error());
    std::cout << *changes;
  }
  return {};
}

}  // namespace

void add_bundle_commands(tool::CommandLine& cli) {
  auto* group = cli.app().add_subcommand("bundle", "Release bundles: create, show");
  group->require_subcommand(1);
  group->fallthrough();

  auto create = std::make_shared<CreateOptions>();
  auto* create_cmd = cli.add(*group, "create",
                             "Create a bundle file from a bundle spec and the build outputs "
                             "it names (atomic: a failure leaves no output)",
                             [create, &cli] { return run_create(*create, cli.json()); });
  create_cmd->add_option("--spec", create->spec, "Bundle spec (hallmark.v1.BundleSpec textproto)")
      ->required();
  create_cmd->add_option("--catalog", create->catalog, "SKU catalogue (hallmark.v1.SkuCatalog "
                                                       "textproto)")
      ->required();
  create_cmd->add_option("--out", create->out, "Bundle file to write")->required();

  auto show = std::make_shared<ShowOptions>();
  auto* show_cmd = cli.add(*group, "show",
                           "Check a bundle file and summarise it (with the release key-id "
                           "mapping of a promoted bundle); with --against or --history, show "
                           "what changed since another bundle of the same SKU",
                           [show, &cli] { return run_show(*show, cli.json()); });
  show_cmd->add_option("bundle", show->bundle, "Bundle file")->required();
  auto* against = show_cmd->add_option("--against", show->against,
                                       "Earlier bundle of the same SKU to compare with");
  show_cmd
      ->add_option("--history", show->history,
                   "Promotion history directory (promote --history): diff against the last "
                   "bundle promoted for the SKU")
      ->excludes(against);
}

}  // namespace hallmark::signer

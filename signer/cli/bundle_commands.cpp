#include "signer/cli/bundle_commands.h"

#include <unistd.h>

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>

#include "signer/bundle/bundle_show.h"
#include "signer/bundle/bundle_spec.h"
#include "signer/bundle/bundle_writer.h"
#include "verifier/bundle/bundle_reader.h"

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
};

// SOURCE_DATE_EPOCH (reproducible builds) fixes the creation time; otherwise now.
Result<std::int64_t> creation_time() {
  const char* fixed = std::getenv("SOURCE_DATE_EPOCH");
  if (fixed == nullptr || *fixed == '\0') return static_cast<std::int64_t>(std::time(nullptr));
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
    std::cout << tool::to_json(summary->bundle) << '\n';
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

Result<void> run_show(const ShowOptions& o, bool json) {
  auto contents = bundle::read_bundle(o.bundle);
  if (!contents) return std::unexpected(contents.error());
  std::optional<bundle::BundleContents> other;
  if (o.against) {
    auto read = bundle::read_bundle(*o.against);
    if (!read) return std::unexpected(read.error());
    other = std::move(*read);
  }
  if (json) {
    std::cout << tool::to_json(contents->bundle) << '\n';
    return {};
  }
  std::cout << bundle::render_summary(contents->bundle, contents->bundle_digest)
            << other_entries(*contents);
  if (other) {
    auto diff = bundle::render_diff(other->bundle, contents->bundle);
    if (!diff) return std::unexpected(diff.error());
    std::cout << fmt::format("\nAgainst {} (bundle digest {})\n", o.against->string(),
                             other->bundle_digest.hex())
              << *diff;
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
                           "Check a bundle file and summarise it; with --against, show what "
                           "changed since another bundle of the same SKU",
                           [show, &cli] { return run_show(*show, cli.json()); });
  show_cmd->add_option("bundle", show->bundle, "Bundle file")->required();
  show_cmd->add_option("--against", show->against,
                       "Earlier bundle of the same SKU (normally the last one promoted)");
}

}  // namespace hallmark::signer

#include "station-agent/station/intake.h"

#include "verifier/core/version.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <google/protobuf/text_format.h>

#include "station-agent/station/station_state.h"
#include "verifier/core/textproto.h"
#include "verifier/io/atomic_file.h"
#include "verifier/io/file_io.h"
#include "verifier/io/unique_fd.h"

namespace hallmark::station {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxTextBytes = 4 * 1024 * 1024;
constexpr std::size_t kCopyBlock = 1024 * 1024;

fs::path ledger_file(const fs::path& dir) { return dir / "accepted.textproto"; }

std::string_view text_of(const Bytes& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

template <typename Message>
Result<Message> read_textproto(const fs::path& path, std::string_view what) {
  Message message;
  auto bytes = fileio::read_file(path, kMaxTextBytes);
  if (!bytes) return std::unexpected(bytes.error());
  if (auto ok = verifier::parse_textproto(text_of(*bytes), path.string(), what, message); !ok) {
    return std::unexpected(ok.error());
  }
  return message;
}

}  // namespace

Result<v1::StationIntakeLedger> read_ledger(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(ledger_file(dir), ec)) return v1::StationIntakeLedger{};
  return read_textproto<v1::StationIntakeLedger>(ledger_file(dir), "intake ledger");
}

namespace {

Result<void> write_ledger(const fs::path& dir, const v1::StationIntakeLedger& ledger) {
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(ledger, &text)) {
    return fail(ErrorCode::kInternal, "cannot print the intake ledger");
  }
  return fileio::write_file_atomic(ledger_file(dir), as_bytes(text), 0644);
}

const v1::AcceptedBundle* find_accepted(const v1::StationIntakeLedger& ledger,
                                        const verifier::Digest& digest) {
  for (const auto& a : ledger.accepted()) {
    if (verifier::Digest::from_bytes(as_bytes(a.bundle_digest())) == digest) return &a;
  }
  return nullptr;
}

// Copies `from` into the not yet committed `to`.
Result<void> copy_into(const fs::path& from, fileio::AtomicFile& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, fmt::format("cannot open {}", from.string()));
  std::vector<char> block(kCopyBlock);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    if (auto ok = to.write(as_bytes(std::string_view(block.data(), got))); !ok) return ok;
  }
  if (in.bad()) return fail(ErrorCode::kIo, fmt::format("cannot read {}", from.string()));
  return {};
}

// The station policy, which must exist before anything is taken in.
Result<v1::StationPolicy> require_policy(const fs::path& dir, std::string_view sku) {
  auto policy = load_policy(dir);
  if (!policy) return std::unexpected(policy.error());
  if (!policy->has_value()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("{} does not exist, so no SKU is allowed at this station: list the "
                            "allowed SKUs there (allowed_skus: \"{}\")",
                            policy_file(dir).string(), sku));
  }
  return std::move(**policy);
}

Result<void> check_no_downgrade(const v1::StationIntakeLedger& ledger,
                                const v1::PromotedRelease& release) {
  for (const auto& a : ledger.accepted()) {
    if (a.sku() != release.sku()) continue;
    auto order = verifier::compare_versions(release.version(), a.version());
    if (!order) return std::unexpected(order.error());
    if (*order != std::strong_ordering::greater) {
      return fail(ErrorCode::kPolicyRefused,
                  fmt::format("downgrade refused: version {} of SKU {} is not above version {} "
                              "already accepted here",
                              release.version(), release.sku(), a.version()));
    }
    if (release.security_counter() < a.security_counter()) {
      return fail(ErrorCode::kPolicyRefused,
                  fmt::format("downgrade refused: security counter {} of SKU {} is below {} "
                              "(version {}) already accepted here",
                              release.security_counter(), release.sku(), a.security_counter(),
                              a.version()));
    }
  }
  return {};
}

// Renames `from` to `to` in the same directory, makes it read-only and fsyncs the directory.
Result<void> move_into_place(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0 || ::chmod(to.c_str(), 0444) != 0) {
    return fail(ErrorCode::kIo, fmt::format("cannot stage {}: {}", to.string(),
                                            std::generic_category().message(errno)));
  }
  fileio::UniqueFd dir_fd(::open(to.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid() || ::fsync(dir_fd.get()) != 0) {
    return fail(ErrorCode::kIo, fmt::format("cannot sync {}: {}", to.parent_path().string(),
                                            std::generic_category().message(errno)));
  }
  return {};
}

}  // namespace

std::vector<std::string> accepted_channels(const v1::StationPolicy& policy) {
  if (policy.allowed_channels().empty()) return {"production"};
  return {policy.allowed_channels().begin(), policy.allowed_channels().end()};
}

Result<void> check_release_policy(const fs::path& dir, const v1::StationPolicy& policy,
                                  const v1::PromotedRelease& release) {
  const auto& allowed = policy.allowed_skus();
  if (std::find(allowed.begin(), allowed.end(), release.sku()) == allowed.end()) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("SKU {} is not allowed at this station ({}): refused",
                            release.sku(), policy_file(dir).string()));
  }
  return {};
}

fs::path cached_path(const fs::path& dir, const verifier::Digest& bundle_digest) {
  return dir / "cache" / (bundle_digest.hex() + ".bundle");
}

namespace {

// A refusal of the staged copy, naming the operator's file instead of the staging copy the
// verifier actually read.
Error naming_operator_file(Error error, const fileio::AtomicFile& staged,
                           const fs::path& bundle_file) {
  const std::string temp = staged.temp_path().string();
  for (auto at = error.message.find(temp); at != std::string::npos;
       at = error.message.find(temp, at)) {
    error.message.replace(at, temp.size(), bundle_file.string());
    at += bundle_file.string().size();
  }
  if (error.message.find(bundle_file.string()) == std::string::npos) {
    error = std::move(error).context(bundle_file.string());
  }
  return error;
}

// The accepted bundle's entry in the ledger: what the no-downgrade rule and recheck_cached
// read back.
void add_accepted(v1::StationIntakeLedger& ledger, const IntakeResult& result,
                  std::int64_t now_unix) {
  v1::AcceptedBundle* accepted = ledger.add_accepted();
  const auto& r = result.release.release;
  accepted->set_sku(r.sku());
  accepted->set_version(r.version());
  accepted->set_security_counter(r.security_counter());
  const auto digest = result.release.bundle_digest.bytes();
  accepted->set_bundle_digest(reinterpret_cast<const char*>(digest.data()), digest.size());
  accepted->set_trust_root_version(result.release.trust_root_version);
  accepted->set_accepted_unix(now_unix);
  const auto file_digest = result.file_sha256.bytes();
  accepted->set_file_sha256(reinterpret_cast<const char*>(file_digest.data()), file_digest.size());
}

}  // namespace

Result<IntakeResult> intake_bundle(const fs::path& dir, const fs::path& bundle_file,
                                   std::span<const verifier::TrustDocument> revocations,
                                   std::int64_t now_unix) {
  // A revocation takes force whatever becomes of the bundle: stored first, for good.
  if (auto stored = store_revocations(dir, revocations, now_unix); !stored) {
    return std::unexpected(stored.error());
  }
  auto trust = load_station_trust(dir, now_unix);
  if (!trust) return std::unexpected(trust.error());
  if (auto station = load_registration(dir, trust->root(), now_unix); !station) {
    return std::unexpected(station.error());
  }
  // The policy is read before the bundle: its channels are part of the verification.
  auto policy = load_policy(dir);
  if (!policy) return std::unexpected(policy.error());
  const auto channels =
      accepted_channels(policy->has_value() ? **policy : v1::StationPolicy{});
  std::error_code ec;
  fs::create_directories(dir / "cache", ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("cannot create {}/cache", dir.string()));

  // Copy first and verify the copy, so what is staged is exactly what was verified.
  auto staged = fileio::AtomicFile::create(dir / "cache" / "incoming.bundle", 0444);
  if (!staged) return std::unexpected(staged.error());
  if (auto ok = copy_into(bundle_file, *staged); !ok) return std::unexpected(ok.error());
  auto verified = bundle::verify_promoted_bundle(staged->temp_path(), *trust, channels);
  if (!verified) {
    return std::unexpected(naming_operator_file(verified.error(), *staged, bundle_file));
  }
  auto file_sha256 = fileio::hash_file(staged->temp_path());
  if (!file_sha256) return std::unexpected(file_sha256.error());

  const fs::path cached = cached_path(dir, verified->bundle_digest);
  IntakeResult result{std::move(*verified), cached, *file_sha256, false};
  auto ledger = read_ledger(dir);
  if (!ledger) return std::unexpected(ledger.error());
  if (find_accepted(*ledger, result.release.bundle_digest) != nullptr) {
    auto before = recheck_cached(dir, result.release.bundle_digest);
    if (!before) return std::unexpected(before.error());
    staged->discard();
    result.already_accepted = true;
    result.file_sha256 = *verifier::Digest::from_bytes(as_bytes(before->file_sha256()));
    return result;
  }
  auto required = require_policy(dir, result.release.release.sku());
  if (!required) return std::unexpected(required.error());
  if (auto ok = check_release_policy(dir, *required, result.release.release); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = check_no_downgrade(*ledger, result.release.release); !ok) {
    return std::unexpected(ok.error());
  }

  // Commit the verified copy, then give it its content address.
  if (auto ok = staged->commit(); !ok) return std::unexpected(ok.error());
  if (auto ok = move_into_place(staged->path(), result.cached); !ok) {
    return std::unexpected(ok.error());
  }
  add_accepted(*ledger, result, now_unix);
  if (auto ok = write_ledger(dir, *ledger); !ok) return std::unexpected(ok.error());
  return result;
}

Result<v1::AcceptedBundle> recheck_cached(const fs::path& dir,
                                          const verifier::Digest& bundle_digest) {
  auto ledger = read_ledger(dir);
  if (!ledger) return std::unexpected(ledger.error());
  const v1::AcceptedBundle* accepted = find_accepted(*ledger, bundle_digest);
  if (accepted == nullptr) {
    return fail(ErrorCode::kUsage, fmt::format("bundle {} was never accepted at this station: "
                                               "run hallmark-station intake first",
                                               bundle_digest.hex()));
  }
  const fs::path file = cached_path(dir, bundle_digest);
  auto actual = fileio::hash_file(file);
  if (!actual) return std::unexpected(actual.error().context("rechecking the cached bundle"));
  const auto recorded = verifier::Digest::from_bytes(as_bytes(accepted->file_sha256()));
  if (!recorded || *recorded != *actual) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("cached bundle {} hashes to {}, not to {} recorded at intake: it "
                            "changed after intake; do not program with it (remove it and take "
                            "the bundle in again)",
                            file.string(), actual->hex(), recorded ? recorded->hex() : "?"));
  }
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 || (st.st_mode & 0222) != 0) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("cached bundle {} is no longer read-only: do not program with it",
                            file.string()));
  }
  return *accepted;
}

}  // namespace hallmark::station

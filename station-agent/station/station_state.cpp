#include "station-agent/station/station_state.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "verifier/core/dsse.h"
#include "verifier/core/sha256.h"
#include "verifier/core/textproto.h"
#include "verifier/io/file_io.h"

namespace hallmark::station {
namespace {

namespace fs = std::filesystem;

fs::path root_dir(const fs::path& dir) { return dir / "trust-root"; }
fs::path anchor_file(const fs::path& dir) { return root_dir(dir) / "anchor.sha256"; }
fs::path version_file(const fs::path& dir, std::uint64_t version) {
  return root_dir(dir) / fmt::format("v{}.json", version);
}
fs::path registration_file(const fs::path& dir) { return dir / "registration.json"; }
fs::path revocation_file(const fs::path& dir, const verifier::Digest& digest) {
  return revocations_dir(dir) / (digest.hex() + ".json");
}

std::string_view text_of(const Bytes& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

Result<void> make_dir(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) {
    return fail(ErrorCode::kIo, fmt::format("cannot create {}: {}", path.string(), ec.message()));
  }
  return {};
}

// The pinned anchor digest, or nullopt when this station was never pinned.
Result<std::optional<verifier::Digest>> read_pin(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(anchor_file(dir), ec)) return std::optional<verifier::Digest>{};
  auto bytes = fileio::read_file(anchor_file(dir), 256);
  if (!bytes) return std::unexpected(bytes.error());
  std::string text(text_of(*bytes));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  auto digest = verifier::Digest::from_hex(text);
  if (!digest) {
    return std::unexpected(digest.error().context(
        fmt::format("{} is damaged: restore it from the station's backup", anchor_file(dir).string())));
  }
  return std::optional<verifier::Digest>{*digest};
}

// Writes each version's file once; an existing file must hold the same envelope bytes.
Result<void> store_chain(const fs::path& dir, std::span<const v1::Envelope> chain,
                         const verifier::Trust& trust, bool pin_now) {
  if (auto ok = make_dir(root_dir(dir)); !ok) return ok;
  std::uint64_t version = trust.root().version() + 1 - chain.size();
  for (const auto& envelope : chain) {
    const fs::path file = version_file(dir, version++);
    const std::string json = verifier::envelope_to_json(envelope);
    std::error_code ec;
    if (fs::exists(file, ec)) {
      auto existing = read_envelope(file);
      if (!existing) return std::unexpected(existing.error());
      if (existing->payload() != envelope.payload()) {
        return fail(ErrorCode::kPolicyRefused,
                    fmt::format("{} already holds a different trust root version: the pinned "
                                "chain is never rewritten",
                                file.string()));
      }
      continue;
    }
    if (auto ok = fileio::write_file_exclusive(file, as_bytes(json), 0444); !ok) return ok;
  }
  if (pin_now) {
    const std::string hex = trust.anchor_digest().hex() + "\n";
    if (auto ok = fileio::write_file_exclusive(anchor_file(dir), as_bytes(hex), 0444); !ok) {
      return ok;
    }
  }
  return {};
}

}  // namespace

fs::path policy_file(const fs::path& dir) { return dir / "policy.textproto"; }

Result<std::optional<v1::StationPolicy>> load_policy(const fs::path& dir) {
  constexpr std::size_t kMaxPolicyBytes = 1024 * 1024;
  std::error_code ec;
  if (!fs::exists(policy_file(dir), ec)) return std::optional<v1::StationPolicy>{};
  auto bytes = fileio::read_file(policy_file(dir), kMaxPolicyBytes);
  if (!bytes) return std::unexpected(bytes.error());
  v1::StationPolicy policy;
  const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  if (auto ok = verifier::parse_textproto(text, policy_file(dir).string(), "station policy", policy);
      !ok) {
    return std::unexpected(ok.error());
  }
  return std::optional<v1::StationPolicy>{std::move(policy)};
}

Result<verifier::VerifiedStation> install_registration(const fs::path& dir,
                                                       const InstallInput& in) {
  if (in.registration == nullptr || in.chain.empty()) {
    return fail(ErrorCode::kUsage, "install-registration needs the registration and the trust "
                                   "root chain (--trust-root v1.json first)");
  }
  auto anchor = verifier::anchor_digest_of(in.chain.front());
  if (!anchor) return std::unexpected(anchor.error().context("the trust root anchor"));
  auto pin = read_pin(dir);
  if (!pin) return std::unexpected(pin.error());
  if (*pin && **pin != *anchor) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("this station is pinned to trust root anchor {} and the given chain "
                            "starts at {}: the pin is never replaced. A station moves to "
                            "another trust root only by being decommissioned (wipe {}) and "
                            "enrolled again",
                            (*pin)->hex(), anchor->hex(), dir.string()));
  }
  // On first install the station pins the anchor it is given (trust on first use, by the
  // station admin who carried the registration and chain from the signer host).
  verifier::TrustInputs inputs;
  for (std::size_t i = 0; i < in.chain.size(); ++i) {
    inputs.chain.push_back({fmt::format("--trust-root #{}", i + 1), in.chain[i]});
  }
  auto revocations = stored_revocations(dir);
  if (!revocations) return std::unexpected(revocations.error());
  inputs.revocations = std::move(*revocations);
  inputs.anchor = verifier::AnchorPin::digest(pin->value_or(*anchor));
  inputs.now_unix = in.now_unix;
  auto trust = verifier::load_trust(std::move(inputs));
  if (!trust) return std::unexpected(trust.error().context("the trust root chain"));
  auto station = verifier::verify_station_registration(*in.registration, trust->root(), in.now_unix);
  if (!station) return std::unexpected(station.error().context("the station registration"));
  const std::string& id = station->registration.station_id();
  if (id != in.station_id) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("the registration is for station '{}', not for this station '{}'",
                            id, in.station_id));
  }
  if (in.token_keys) {
    const auto& e = station->enrollment;
    if (e.station_key.key_id() != in.token_keys->station_key ||
        e.device_ca_key.key_id() != in.token_keys->device_ca_key) {
      return fail(ErrorCode::kPolicyRefused,
                  fmt::format("the registration names station key {} and device-CA key {}, but "
                              "this station's token holds {} and {}: it was made for another "
                              "token",
                              e.station_key.key_id(), e.device_ca_key.key_id(),
                              in.token_keys->station_key, in.token_keys->device_ca_key));
    }
  }
  if (auto ok = make_dir(dir); !ok) return std::unexpected(ok.error());
  if (auto ok = store_chain(dir, in.chain, *trust, !pin->has_value()); !ok) {
    return std::unexpected(ok.error());
  }
  const std::string json = verifier::envelope_to_json(*in.registration);
  if (auto ok = fileio::write_file_atomic(registration_file(dir), as_bytes(json), 0644); !ok) {
    return std::unexpected(ok.error());
  }
  return station;
}

fs::path revocations_dir(const fs::path& dir) { return dir / "revocations"; }

Result<std::vector<verifier::TrustDocument>> stored_revocations(const fs::path& dir) {
  std::vector<verifier::TrustDocument> out;
  std::error_code ec;
  if (!fs::exists(revocations_dir(dir), ec)) return out;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(revocations_dir(dir), ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  if (ec) {
    return fail(ErrorCode::kIo, fmt::format("cannot list {}: {}", revocations_dir(dir).string(),
                                            ec.message()));
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto envelope = read_envelope(file);
    if (!envelope) return std::unexpected(envelope.error());
    out.push_back({file.string(), std::move(*envelope)});
  }
  return out;
}

Result<std::size_t> store_revocations(const fs::path& dir,
                                      std::span<const verifier::TrustDocument> revocations,
                                      std::int64_t now_unix) {
  if (revocations.empty()) return 0;
  // All of them verify, with what is stored already, before any is stored.
  auto trust = load_station_trust(dir, now_unix, revocations);
  if (!trust) return std::unexpected(trust.error());
  if (auto ok = make_dir(revocations_dir(dir)); !ok) return std::unexpected(ok.error());
  std::size_t stored = 0;
  for (const auto& doc : revocations) {
    auto digest = verifier::sha256(as_bytes(doc.envelope.payload()));
    if (!digest) return std::unexpected(digest.error());
    const fs::path file = revocation_file(dir, *digest);
    std::error_code ec;
    if (fs::exists(file, ec)) continue;  // the same payload: already in force
    const std::string json = verifier::envelope_to_json(doc.envelope);
    if (auto ok = fileio::write_file_exclusive(file, as_bytes(json), 0444); !ok) {
      return std::unexpected(ok.error());
    }
    ++stored;
  }
  return stored;
}

Result<verifier::Trust> load_station_trust(const fs::path& dir, std::int64_t now_unix,
                                           std::span<const verifier::TrustDocument> more,
                                           StoredRevocations stored) {
  auto pin = read_pin(dir);
  if (!pin) return std::unexpected(pin.error());
  if (!*pin) {
    return fail(ErrorCode::kUsage,
                fmt::format("{} holds no pinned trust root: run hallmark-station "
                            "install-registration first",
                            dir.string()));
  }
  std::vector<std::pair<std::uint64_t, fs::path>> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_dir(dir), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 7 || name.front() != 'v' || !name.ends_with(".json")) continue;
    std::uint64_t version = 0;
    const char* first = name.data() + 1;
    const char* last = name.data() + name.size() - 5;
    auto [end, err] = std::from_chars(first, last, version);
    if (err != std::errc{} || end != last) continue;
    files.emplace_back(version, entry.path());
  }
  if (ec) {
    return fail(ErrorCode::kIo, fmt::format("cannot list {}: {}", root_dir(dir).string(),
                                            ec.message()));
  }
  std::sort(files.begin(), files.end());
  verifier::TrustInputs inputs;
  for (const auto& [version, path] : files) {
    auto envelope = read_envelope(path);
    if (!envelope) return std::unexpected(envelope.error());
    inputs.chain.push_back({path.string(), std::move(*envelope)});
  }
  if (inputs.chain.empty()) {
    return fail(ErrorCode::kIo, fmt::format("{} holds no trust root versions: restore them",
                                            root_dir(dir).string()));
  }
  if (stored == StoredRevocations::kApply) {
    auto revocations = stored_revocations(dir);
    if (!revocations) return std::unexpected(revocations.error());
    inputs.revocations = std::move(*revocations);
  }
  inputs.revocations.insert(inputs.revocations.end(), more.begin(), more.end());
  inputs.anchor = verifier::AnchorPin::digest(**pin);
  inputs.now_unix = now_unix;
  auto trust = verifier::load_trust(std::move(inputs));
  if (!trust) return std::unexpected(trust.error().context("the pinned trust root"));
  return trust;
}

Result<verifier::VerifiedStation> load_registration(const fs::path& dir,
                                                    const verifier::TrustedRoot& root,
                                                    std::int64_t now_unix) {
  std::error_code ec;
  if (!fs::exists(registration_file(dir), ec)) {
    return fail(ErrorCode::kUsage,
                fmt::format("{} holds no registration: run hallmark-station "
                            "install-registration first",
                            dir.string()));
  }
  auto envelope = read_envelope(registration_file(dir));
  if (!envelope) return std::unexpected(envelope.error());
  auto station = verifier::verify_station_registration(*envelope, root, now_unix);
  if (!station) return std::unexpected(station.error().context("this station's registration"));
  return station;
}

}  // namespace hallmark::station

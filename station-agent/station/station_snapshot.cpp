#include "station-agent/station/station_snapshot.h"

#include <fmt/format.h>

#include <set>
#include <system_error>

#include "station-agent/station/unit_index.h"
#include "verifier/core/bytes.h"
#include "verifier/core/document.h"
#include "verifier/core/sha256.h"
#include "verifier/io/envelope_file.h"
#include "verifier/io/file_io.h"

namespace hallmark::station {
namespace {

namespace fs = std::filesystem;

// The person-level state (roster, session ids, revocations): far below this. A larger file is refused.
constexpr std::size_t kMaxSnapshotBytes = 16 * 1024 * 1024;

}  // namespace

fs::path snapshot_dir(const fs::path& dir) { return dir / "snapshot"; }
fs::path snapshot_file(const fs::path& dir) { return snapshot_dir(dir) / "state"; }

LoadedSnapshot load_snapshot(const fs::path& dir, std::string_view station_id,
                             const verifier::PublicKey& station_key) {
  LoadedSnapshot out;
  const fs::path file = snapshot_file(dir);
  std::error_code ec;
  if (!fs::exists(file, ec)) return out;
  auto ignore = [&](std::string_view why) {
    out.ignored = fmt::format("snapshot {} ignored: {}", file.string(), why);
    return out;
  };
  auto envelope = fileio::read_envelope(file, kMaxSnapshotBytes);
  if (!envelope) return ignore(envelope.error().message);
  const verifier::PublicKey keys[] = {station_key};
  auto verified = verifier::verify_envelope(*envelope, keys, 1,
                                            verifier::payload_type_of("station-snapshot"));
  if (!verified) {
    return ignore(fmt::format("not signed by this station's key {} ({})", station_key.key_id(),
                              verified.error().message));
  }
  auto snapshot = verifier::parse_verified<v1::StationSnapshot>(*verified);
  if (!snapshot) return ignore(snapshot.error().message);
  if (snapshot->station_id() != station_id) {
    return ignore(fmt::format("it is a snapshot of station '{}', not '{}'",
                              snapshot->station_id(), station_id));
  }
  if (snapshot->head_hash().size() != verifier::Digest::kSize) {
    return ignore("its head hash is malformed");
  }
  out.snapshot = std::move(*snapshot);
  return out;
}

Result<void> save_snapshot(const fs::path& dir, const v1::StationSnapshot& snapshot,
                           std::string_view key_id, const verifier::PaeSigner& sign) {
  const fs::path file = snapshot_file(dir);
  auto envelope = verifier::sign_envelope(verifier::payload_type_of("station-snapshot"),
                                          verifier::deterministic_bytes(snapshot), key_id, sign);
  if (!envelope) {
    return std::unexpected(std::move(envelope).error().context("signing snapshot " + file.string()));
  }
  const std::string json = verifier::envelope_to_json(*envelope);
  if (auto ok = fileio::write_file_atomic(file, as_bytes(json), 0640); !ok) return ok;
  // Index and buckets of earlier snapshots: no longer listed, removed (best effort: a
  // failure only leaves a file behind).
  const fs::path sdir = snapshot_dir(dir);
  std::set<fs::path> listed;
  if (!snapshot.unit_index_sha256().empty()) {
    listed.insert(index_file(sdir, snapshot.unit_index_sha256()));
    auto index = read_unit_index(sdir, snapshot.unit_index_sha256());
    if (!index) return {};
    const std::string zero(verifier::Digest::kSize, '\0');
    for (std::size_t at = 0; at < index->size(); at += verifier::Digest::kSize) {
      const std::string digest(as_chars(ByteView(*index).subspan(at, verifier::Digest::kSize)));
      if (digest != zero) listed.insert(bucket_file(sdir, digest));
    }
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(sdir, ec)) {
    const auto ext = entry.path().extension();
    if ((ext == ".bucket" || ext == ".index") && !listed.contains(entry.path())) {
      fs::remove(entry.path(), ec);
    }
  }
  return {};
}

}  // namespace hallmark::station

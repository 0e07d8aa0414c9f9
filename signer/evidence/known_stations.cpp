#include "signer/evidence/known_stations.h"

#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/trust/station_registration.h"

namespace hallmark::evidence {

Result<KnownStations> known_stations(const std::vector<RegistrationFile>& files,
                                     const verifier::TrustedRoot& root, std::int64_t now_unix) {
  KnownStations out;
  for (const RegistrationFile& file : files) {
    auto verified = verifier::verify_station_registration(file.envelope, root, now_unix);
    if (!verified) {
      // Which station it is for is only believed when the root quorum signed it.
      auto signed_by_root = root.verify(file.envelope, v1::ROOT, verifier::kRegistrationType);
      if (!signed_by_root) return std::unexpected(std::move(verified).error().context(file.name));
      auto named = verifier::parse_verified<v1::StationRegistration>(signed_by_root->first);
      if (!named || named->station_id().empty()) {
        return std::unexpected(std::move(verified).error().context(file.name));
      }
      if (const StationId id(named->station_id()); !out.valid.contains(id)) {
        out.invalid.insert_or_assign(id,
                                     file.name + ": " + verified.error().message);
      }
      continue;
    }
    const StationId id(verified->registration.station_id());
    out.invalid.erase(id);
    auto known = out.valid.find(id);
    if (known != out.valid.end() && known->second.verified.registration.registered_unix() >
                                        verified->registration.registered_unix()) {
      continue;
    }
    out.valid.insert_or_assign(
        id, KnownStation{std::move(*verified), verifier::envelope_to_json(file.envelope)});
  }
  return out;
}

}  // namespace hallmark::evidence

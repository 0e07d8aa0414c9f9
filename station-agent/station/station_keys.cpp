// StationKeys (station_line.h): the line's two signers, from production signers only.
#include <utility>

#include "station-agent/station/station_line.h"

namespace hallmark::station {

StationKeys::StationKeys(const hsm::ProductionSigner& station,
                         const hsm::ProductionSigner& device_ca)
    : station_signer(station),
      station_key(station.public_key()),
      station_key_uri(station.uri()),
      sign_event([station](ByteView pae) { return station.sign(pae); }),
      device_ca_key(device_ca.public_key()),
      device_ca_key_uri(device_ca.uri()),
      sign_certificate([device_ca](ByteView tbs) { return device_ca.sign(tbs); }) {}

Result<StationKeys> StationKeys::from_signers(const hsm::ProductionSigner& station,
                                              const hsm::ProductionSigner& device_ca) {
  if (auto ok = station.require_role(hsm::ProductionRole::kStation); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = device_ca.require_role(hsm::ProductionRole::kDeviceCa); !ok) {
    return std::unexpected(ok.error());
  }
  return StationKeys(station, device_ca);
}

}  // namespace hallmark::station

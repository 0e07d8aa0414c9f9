// The device identity certificates in the form other systems take (`hallmark-verify device
// FILE --pem-out DIR`): after the manifest and its certificate verified (run_device), the
// unit's certificate as PEM, the same with its chain (device CA of the station that issued
// it, then the manufacturing CA), the device-CA certificate, and the manufacturing-CA
// certificate on its own — what `openssl verify -x509_strict -CAfile manufacturing-ca.pem
// -untrusted STATION.device-ca.pem SERIAL.pem` and cloud IoT registries (a CA certificate
// and a device certificate) ask for. Each file written atomically. Writes only there.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"
#include "verifier/core/ids.h"

namespace hallmark::verifier::cli {

struct CertificateChain {
  Serial serial;
  StationId station_id;
  Bytes unit_der;
  Bytes device_ca_der;
  Bytes manufacturing_ca_der;
};

// DER as PEM ("-----BEGIN CERTIFICATE-----"), after OpenSSL parsed it as X.509; kVerificationFailed
// when it is not a certificate.
[[nodiscard]] Result<std::string> certificate_pem(ByteView der);

// The paths written: SERIAL.pem, SERIAL.chain.pem, STATION.device-ca.pem, manufacturing-ca.pem
// (names made file-safe). kIo naming the file that cannot be written.
[[nodiscard]] Result<std::vector<std::filesystem::path>> write_certificate_pems(
    const CertificateChain& chain, const std::filesystem::path& dir);

}  // namespace hallmark::verifier::cli

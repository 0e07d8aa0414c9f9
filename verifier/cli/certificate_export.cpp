#include "verifier/cli/certificate_export.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <system_error>

#include <fmt/format.h>

#include "verifier/core/openssl_handles.h"
#include "verifier/core/printable.h"
#include "verifier/io/file_io.h"

namespace hallmark::verifier::cli {

Result<std::string> certificate_pem(ByteView der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return fail(ErrorCode::kVerificationFailed, "not one DER X.509 certificate");
  }
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert.get()) != 1) {
    return fail(ErrorCode::kInternal, "OpenSSL could not write the certificate as PEM");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Result<std::vector<std::filesystem::path>> write_certificate_pems(const CertificateChain& chain,
                                                                  const std::filesystem::path& dir) {
  auto unit = certificate_pem(chain.unit_der);
  if (!unit) return std::unexpected(std::move(unit).error().context("the unit's certificate"));
  auto device_ca = certificate_pem(chain.device_ca_der);
  if (!device_ca) return std::unexpected(std::move(device_ca).error().context("the device-CA certificate"));
  auto manufacturing = certificate_pem(chain.manufacturing_ca_der);
  if (!manufacturing) {
    return std::unexpected(std::move(manufacturing).error().context("the manufacturing-CA certificate"));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("{}: cannot create: {}", dir.string(), ec.message()));
  const std::string serial = file_safe(chain.serial.str());
  const std::vector<std::pair<std::filesystem::path, std::string>> files = {
      {dir / (serial + ".pem"), *unit},
      {dir / (serial + ".chain.pem"), *unit + *device_ca + *manufacturing},
      {dir / (file_safe(chain.station_id.str()) + ".device-ca.pem"), *device_ca},
      {dir / "manufacturing-ca.pem", *manufacturing},
  };
  std::vector<std::filesystem::path> written;
  for (const auto& [path, text] : files) {
    if (auto ok = fileio::write_file_atomic(path, as_bytes(text)); !ok) return std::unexpected(ok.error());
    written.push_back(path);
  }
  return written;
}

}  // namespace hallmark::verifier::cli

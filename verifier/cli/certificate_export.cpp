#include "verifier/cli/certificate_export.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <system_error>

#include <fmt/format.h>

#include "verifier/io/file_io.h"

namespace hallmark::verifier::cli {
namespace {

struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};

// Letters, digits, '-' and '_' as they are; anything else '_': a serial or a station id
// never names a path outside DIR.
std::string file_safe(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_';
    out += plain ? c : '_';
  }
  return out.empty() ? std::string("_") : out;
}

}  // namespace

Result<std::string> certificate_pem(ByteView der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return fail(ErrorCode::kVerificationFailed, "not one DER X.509 certificate");
  }
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
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
  const std::string serial = file_safe(chain.serial);
  const std::vector<std::pair<std::filesystem::path, std::string>> files = {
      {dir / (serial + ".pem"), *unit},
      {dir / (serial + ".chain.pem"), *unit + *device_ca + *manufacturing},
      {dir / (file_safe(chain.station_id) + ".device-ca.pem"), *device_ca},
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

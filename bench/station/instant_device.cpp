#include "bench/station/instant_device.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "station-agent/devsim/efuses.h"
#include "verifier/core/openssl_handles.h"

namespace hallmark::bench {

// Adds the lifetime of a driver call to busy_.
class InstantDevice::Busy {
 public:
  explicit Busy(InstantDevice& d) : d_(d), start_(std::chrono::steady_clock::now()) {}
  ~Busy() { d_.busy_ += std::chrono::steady_clock::now() - start_; }
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;

 private:
  InstantDevice& d_;
  std::chrono::steady_clock::time_point start_;
};

InstantDevice::InstantDevice(std::string hardware_id)
    : hardware_id_(std::move(hardware_id)), flash_(kFlashSize, std::byte{0xFF}) {}

void InstantDevice::next_unit(std::string hardware_id) {
  Busy busy(*this);
  hardware_id_ = std::move(hardware_id);
  std::fill_n(flash_.begin(), written_end_, std::byte{0xFF});
  written_end_ = 0;
  efuses_ = {};
  identity_spki_.clear();
  certificate_.clear();
}

Result<void> InstantDevice::check_region(std::uint64_t offset, std::uint64_t length) const {
  if (offset > flash_.size() || length > flash_.size() - offset) {
    return fail(ErrorCode::kUsage, fmt::format("region 0x{:x}+{} is outside the {}-byte flash",
                                               offset, length, flash_.size()));
  }
  return {};
}

Result<device::HardwareId> InstantDevice::identify() { return device::HardwareId{hardware_id_}; }

Result<device::DeviceDescription> InstantDevice::describe() {
  return device::DeviceDescription{"esp32-c3", kFlashSize, "v0.4", {}};
}

Result<void> InstantDevice::write(std::uint32_t offset, ByteView data,
                                  const device::WriteProgress& progress) {
  {
    Busy busy(*this);
    if (auto ok = check_region(offset, data.size()); !ok) return ok;
    std::ranges::copy(data, flash_.begin() + offset);
    written_end_ = std::max(written_end_, std::size_t{offset} + data.size());
  }
  if (progress) progress(data.size(), data.size());  // the station's observer, not the device
  return {};
}

Result<verifier::Digest> InstantDevice::read_hash(std::uint32_t offset, std::uint32_t length) {
  Busy busy(*this);
  if (auto ok = check_region(offset, length); !ok) return std::unexpected(ok.error());
  return verifier::sha256(ByteView(flash_).subspan(offset, length));
}

Result<Bytes> InstantDevice::generate_identity() {
  Busy busy(*this);
  if (identity_spki_.empty()) {
    ossl::PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key) return ossl::fail(ErrorCode::kInternal, "generating the identity key");
    unsigned char* der = nullptr;
    const int n = i2d_PUBKEY(key.get(), &der);
    if (n <= 0) return ossl::fail(ErrorCode::kInternal, "encoding the identity key");
    ossl::OpensslPtr<unsigned char> owned(der);
    const auto* b = reinterpret_cast<const std::byte*>(der);
    identity_spki_.assign(b, b + n);
  }
  return identity_spki_;
}

Result<void> InstantDevice::install_certificate(ByteView der) {
  if (identity_spki_.empty()) {
    return fail(ErrorCode::kPolicyRefused, "no identity key: generate the identity first");
  }
  if (der.empty()) return fail(ErrorCode::kUsage, "empty certificate");
  certificate_.assign(der.begin(), der.end());
  return {};
}

Result<void> InstantDevice::burn_efuse(std::string_view name, ByteView value) {
  return devsim::burn_efuse(efuses_, name, value);  // the simulator's rules, one implementation
}

device::BootVerdict InstantDevice::boot() const {
  return {true, "instant device: no boot ROM model"};
}

Result<device::Measurement> InstantDevice::measure(const std::vector<device::Region>& regions) {
  Busy busy(*this);
  device::Measurement m{boot(), efuses_, !identity_spki_.empty(), !certificate_.empty(), {}};
  for (const auto& region : regions) {
    if (auto ok = check_region(region.offset, region.length); !ok) {
      return std::unexpected(ok.error());
    }
    auto digest = verifier::sha256(ByteView(flash_).subspan(region.offset, region.length));
    if (!digest) return std::unexpected(digest.error());
    m.region_digests.push_back(*digest);
  }
  return m;
}

Result<device::BootVerdict> InstantDevice::reset() { return boot(); }

}  // namespace hallmark::bench

#include "station-agent/devsim/device.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "station-agent/devsim/boot_rom.h"
#include "station-agent/devsim/efuses.h"
#include "verifier/core/openssl_handles.h"
#include "verifier/io/file_io.h"

namespace hallmark::devsim {
namespace {

constexpr std::string_view kStateMagic = "hallmark-devsim-state-v1";

Result<ossl::PkeyPtr> load_private(ByteView der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::PkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
  if (!key) return ossl::fail(ErrorCode::kIo, "device state: identity key unreadable");
  return key;
}

template <class Encode>
Result<Bytes> to_der(EVP_PKEY* key, Encode encode) {
  unsigned char* out = nullptr;
  int n = encode(key, &out);
  if (n <= 0) return ossl::fail(ErrorCode::kInternal, "encoding the identity key");
  ossl::OpensslPtr<unsigned char> owned(out);
  auto* b = reinterpret_cast<const std::byte*>(out);
  return Bytes(b, b + n);
}

Bytes efuse_flag(bool b) { return {b ? std::byte{1} : std::byte{0}}; }

}  // namespace

Result<SimulatedDevice> SimulatedDevice::create(const DeviceOptions& options) {
  if (options.flash_size == 0 || options.flash_size > (std::size_t{1} << 30)) {
    return fail(ErrorCode::kUsage, "flash size must be between 1 byte and 1 GiB");
  }
  SimulatedDevice dev(options);
  dev.flash_.assign(options.flash_size, std::byte{0xFF});
  dev.hardware_id_ = options.hardware_id;
  if (dev.hardware_id_.empty()) {
    std::array<unsigned char, 6> r{};
    if (RAND_bytes(r.data(), static_cast<int>(r.size())) != 1) {
      return ossl::fail(ErrorCode::kInternal, "random hardware id");
    }
    dev.hardware_id_ = "sim-" + to_hex(std::as_bytes(std::span(r)));
  }
  if (options.efuses_burned) {
    dev.efuses_.key_digest_burned = true;
    dev.efuses_.key_digest = *verifier::sha256(as_bytes("hallmark-devsim: pre-burned key"));
    dev.efuses_.secure_boot_enabled = true;
    dev.efuses_.debug_disabled = true;
  }
  if (options.state_file && std::filesystem::exists(*options.state_file)) {
    if (auto r = dev.load(*options.state_file); !r) return std::unexpected(r.error());
  } else if (auto r = dev.save(); !r) {
    return std::unexpected(r.error());
  }
  return dev;
}

Result<std::string> SimulatedDevice::identify() {
  ++identify_count_;
  if (identify_count_ > 1 && options_.hardware_id_on_reread) return *options_.hardware_id_on_reread;
  return hardware_id_;
}

device::DeviceDescription SimulatedDevice::describe() {
  ++describe_count_;
  device::DeviceDescription d{options_.family, flash_.size(), options_.chip_revision,
                              options_.boot_formats};
  if (describe_count_ > 1 && options_.family_on_reread) d.family = *options_.family_on_reread;
  return d;
}

Result<void> SimulatedDevice::check_region(std::uint64_t offset, std::uint64_t length) const {
  if (offset > flash_.size() || length > flash_.size() - offset) {
    return fail(ErrorCode::kUsage, fmt::format("region 0x{:x}+{} is outside the {}-byte flash",
                                               offset, length, flash_.size()));
  }
  return {};
}

Result<void> SimulatedDevice::write(std::uint32_t offset, ByteView data) {
  if (auto r = check_region(offset, data.size()); !r) return r;
  const std::uint64_t end = std::uint64_t{offset} + data.size();
  std::size_t good = data.size();
  if (options_.fail_write_at && *options_.fail_write_at >= offset && *options_.fail_write_at < end) {
    good = static_cast<std::size_t>(*options_.fail_write_at - offset);
  }
  std::ranges::copy(data.first(good), flash_.begin() + offset);
  if (options_.write_kib_per_s > 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(
        data.size() * 1000000 / (std::size_t{options_.write_kib_per_s} * 1024)));
  }
  if (good != data.size()) {
    return fail(ErrorCode::kIo, fmt::format("flash write error at offset 0x{:x} ({})",
                                            *options_.fail_write_at, *options_.fail_write_at));
  }
  return {};
}

Result<verifier::Digest> SimulatedDevice::read_hash(std::uint32_t offset, std::uint32_t length) const {
  if (auto r = check_region(offset, length); !r) return std::unexpected(r.error());
  return verifier::sha256(ByteView(flash_).subspan(offset, length));
}

Result<Bytes> SimulatedDevice::generate_identity() {
  if (identity_key_der_.empty()) {
    ossl::PkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) return ossl::fail(ErrorCode::kInternal, "generating the identity key");
    auto der = to_der(key.get(), [](EVP_PKEY* k, unsigned char** o) { return i2d_PrivateKey(k, o); });
    if (!der) return der;
    identity_key_der_ = std::move(*der);
    if (auto r = save(); !r) return std::unexpected(r.error());
  }
  auto key = load_private(identity_key_der_);
  if (!key) return std::unexpected(key.error());
  return to_der(key->get(), [](EVP_PKEY* k, unsigned char** o) { return i2d_PUBKEY(k, o); });
}

Result<void> SimulatedDevice::install_certificate(ByteView der) {
  if (identity_key_der_.empty()) {
    return fail(ErrorCode::kPolicyRefused, "no identity key: generate the identity before the certificate");
  }
  if (der.empty()) return fail(ErrorCode::kUsage, "empty certificate");
  certificate_.assign(der.begin(), der.end());
  return save();
}

Result<void> SimulatedDevice::burn_efuse(std::string_view name, ByteView value) {
  if (auto ok = devsim::burn_efuse(efuses_, name, value); !ok) return ok;
  return save();
}

device::BootVerdict SimulatedDevice::boot() const { return check_boot(flash_, efuses_); }

Result<device::Measurement> SimulatedDevice::measure(const std::vector<device::Region>& regions) const {
  device::Measurement m{boot(), efuses_, !identity_key_der_.empty(), !certificate_.empty(), {}};
  for (const auto& region : regions) {
    auto d = read_hash(region.offset, region.length);
    if (!d) return std::unexpected(d.error());
    m.region_digests.push_back(*d);
  }
  return m;
}

Result<void> SimulatedDevice::save() const {
  if (!options_.state_file) return {};
  std::size_t used = flash_.size();
  while (used > 0 && flash_[used - 1] == std::byte{0xFF}) --used;
  std::string text = fmt::format("{}\nhardware_id {}\nflash_size {}\nkey_digest {}\nkey_digest_burned {}\n"
                                 "secure_boot {}\ndebug_disable {}\nidentity {}\ncertificate {}\nflash {}\n",
                                 kStateMagic, to_hex(as_bytes(hardware_id_)), flash_.size(),
                                 efuses_.key_digest.hex(), to_hex(efuse_flag(efuses_.key_digest_burned)),
                                 to_hex(efuse_flag(efuses_.secure_boot_enabled)),
                                 to_hex(efuse_flag(efuses_.debug_disabled)), to_hex(identity_key_der_),
                                 to_hex(certificate_), to_hex(ByteView(flash_).first(used)));
  auto r = fileio::write_file_atomic(*options_.state_file, as_bytes(text));
  if (!r) return std::unexpected(std::move(r.error()).context("saving device state"));
  return {};
}

Result<void> SimulatedDevice::load(const std::filesystem::path& path) {
  auto raw = fileio::read_file(path, std::size_t{1} << 31);
  if (!raw) return std::unexpected(raw.error());
  std::istringstream in{std::string(as_chars(*raw))};
  std::string magic;
  std::getline(in, magic);
  if (magic != kStateMagic) return fail(ErrorCode::kUsage, fmt::format("{}: not a devsim state file", path.string()));
  std::map<std::string, Bytes> fields;
  std::string key, hex;
  while (in >> key) {
    hex.clear();
    if (in.peek() == ' ') in.get();
    std::getline(in, hex);
    auto b = from_hex(hex);
    if (!b && key != "flash_size") return fail(ErrorCode::kUsage, fmt::format("{}: bad field {}", path.string(), key));
    fields[key] = key == "flash_size" ? to_bytes(hex) : *b;
  }
  if (fields.size() != 9) return fail(ErrorCode::kUsage, fmt::format("{}: incomplete state", path.string()));
  flash_.assign(std::stoull(std::string(as_chars(fields["flash_size"]))), std::byte{0xFF});
  if (fields["flash"].size() > flash_.size()) return fail(ErrorCode::kUsage, "state: flash too large");
  std::ranges::copy(fields["flash"], flash_.begin());
  hardware_id_ = std::string(as_chars(fields["hardware_id"]));
  auto digest = verifier::Digest::from_bytes(fields["key_digest"]);
  if (!digest) return std::unexpected(digest.error());
  efuses_.key_digest = *digest;
  auto flag = [&](const char* k) { return fields[k] == efuse_flag(true); };
  efuses_.key_digest_burned = flag("key_digest_burned");
  efuses_.secure_boot_enabled = flag("secure_boot");
  efuses_.debug_disabled = flag("debug_disable");
  identity_key_der_ = fields["identity"];
  certificate_ = fields["certificate"];
  return {};
}

}  // namespace hallmark::devsim

#include "station-agent/driver/sim_driver.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace hallmark::device {

using devsim::Opcode;

Result<std::unique_ptr<SimDriver>> SimDriver::connect(const std::filesystem::path& socket,
                                                      std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = socket.string();
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return fail(ErrorCode::kUsage, fmt::format("device socket '{}' is empty or too long", path));
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  fileio::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return fail(ErrorCode::kIo, fmt::format("device sim:{}: cannot connect: {}", path, std::strerror(errno)));
  }
  return std::unique_ptr<SimDriver>(new SimDriver(std::move(fd), path, timeout));
}

Result<Bytes> SimDriver::call(Opcode op, Bytes payload) {
  auto where = [&](Error e) { return std::move(e).context(fmt::format("device sim:{}", socket_)); };
  if (!fd_.valid()) return std::unexpected(where({ErrorCode::kIo, "connection already lost; reconnect", 0, {}}));
  devsim::Frame request{static_cast<std::uint8_t>(op), std::move(payload)};
  auto sent = devsim::write_frame(fd_.get(), request, timeout_);
  auto reply = sent ? devsim::read_frame(fd_.get(), timeout_) : std::unexpected(sent.error());
  if (!reply) {
    fd_.close();  // the stream is out of step; never reuse it
    return std::unexpected(where(reply.error()));
  }
  const auto status = static_cast<devsim::Status>(reply->code);
  if (status == devsim::Status::kOk) return std::move(reply->payload);
  const ErrorCode code = status == devsim::Status::kRefused ? ErrorCode::kPolicyRefused : ErrorCode::kIo;
  return std::unexpected(where({code, std::string(as_chars(reply->payload)), 0, {}}));
}

Result<HardwareId> SimDriver::identify() {
  auto r = call(Opcode::kIdentify, {});
  if (!r) return std::unexpected(r.error());
  return HardwareId{std::string(as_chars(*r))};
}

Result<DeviceDescription> SimDriver::describe() {
  auto r = call(Opcode::kDescribe, {});
  if (!r) return std::unexpected(r.error());
  return devsim::decode_description(*r);
}

Result<void> SimDriver::write(std::uint32_t offset, ByteView data, const WriteProgress& progress) {
  if (std::uint64_t{offset} + data.size() > UINT32_MAX) return fail(ErrorCode::kUsage, "write past 4 GiB");
  for (std::size_t done = 0; done < data.size();) {
    const std::size_t n = std::min(kChunk, data.size() - done);
    Bytes payload;
    devsim::put_u32(payload, static_cast<std::uint32_t>(offset + done));
    payload.insert(payload.end(), data.begin() + static_cast<std::ptrdiff_t>(done),
                   data.begin() + static_cast<std::ptrdiff_t>(done + n));
    auto r = call(Opcode::kWrite, std::move(payload));
    if (!r) {
      return std::unexpected(std::move(r.error()).context(
          fmt::format("writing {} bytes at 0x{:x}", n, offset + done)));
    }
    done += n;
    if (progress) progress(done, data.size());
  }
  return {};
}

Result<verifier::Digest> SimDriver::read_hash(std::uint32_t offset, std::uint32_t length) {
  Bytes payload;
  devsim::put_u32(payload, offset);
  devsim::put_u32(payload, length);
  auto r = call(Opcode::kReadHash, std::move(payload));
  if (!r) return std::unexpected(r.error());
  return verifier::Digest::from_bytes(*r);
}

Result<Bytes> SimDriver::generate_identity() { return call(Opcode::kGenerateIdentity, {}); }

Result<void> SimDriver::install_certificate(ByteView der) {
  auto r = call(Opcode::kInstallCertificate, Bytes(der.begin(), der.end()));
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<void> SimDriver::burn_efuse(std::string_view name, ByteView value) {
  if (name.size() > 255) return fail(ErrorCode::kUsage, "eFuse name too long");
  Bytes payload{static_cast<std::byte>(name.size())};
  auto n = as_bytes(name);
  payload.insert(payload.end(), n.begin(), n.end());
  payload.insert(payload.end(), value.begin(), value.end());
  auto r = call(Opcode::kBurnEfuse, std::move(payload));
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<Measurement> SimDriver::measure(const std::vector<Region>& regions) {
  Bytes payload;
  devsim::put_u32(payload, static_cast<std::uint32_t>(regions.size()));
  for (const auto& r : regions) {
    devsim::put_u32(payload, r.offset);
    devsim::put_u32(payload, r.length);
  }
  auto r = call(Opcode::kMeasure, std::move(payload));
  if (!r) return std::unexpected(r.error());
  return devsim::decode_measurement(*r, regions.size());
}

Result<BootVerdict> SimDriver::reset() {
  auto r = call(Opcode::kReset, {});
  if (!r) return std::unexpected(r.error());
  if (r->empty()) return fail(ErrorCode::kIo, "protocol error: empty reset reply");
  return BootVerdict{(*r)[0] == std::byte{1}, std::string(as_chars(ByteView(*r).subspan(1)))};
}

}  // namespace hallmark::device

#include "station-agent/devsim/server.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "verifier/io/unique_fd.h"

namespace hallmark::devsim {
namespace {

constexpr std::chrono::milliseconds kReplyTimeout{10000};

Frame ok(Bytes payload = {}) { return {static_cast<std::uint8_t>(Status::kOk), std::move(payload)}; }

Frame error_frame(const Error& e) {
  const Status s = e.code == ErrorCode::kPolicyRefused ? Status::kRefused : Status::kError;
  return {static_cast<std::uint8_t>(s), to_bytes(e.message)};
}

template <class T>
Frame reply(const Result<T>& r) {
  if (!r) return error_frame(r.error());
  if constexpr (std::is_void_v<T>) {
    return ok();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return ok(to_bytes(*r));
  } else if constexpr (std::is_same_v<T, verifier::Digest>) {
    return ok(Bytes(r->bytes().begin(), r->bytes().end()));
  } else {
    return ok(*r);
  }
}

Frame boot_reply(const device::BootVerdict& v) {
  Bytes out{v.boots ? std::byte{1} : std::byte{0}};
  auto reason = as_bytes(v.reason);
  out.insert(out.end(), reason.begin(), reason.end());
  return ok(std::move(out));
}

Frame malformed() { return error_frame(Error{ErrorCode::kUsage, "malformed request", 0, {}}); }

}  // namespace

std::optional<Frame> DeviceServer::handle(const Frame& request) {
  Reader in(request.payload);
  switch (static_cast<Opcode>(request.code)) {
    case Opcode::kIdentify: return reply(device_.identify());
    case Opcode::kWrite: {
      auto offset = in.u32();
      if (!offset) return malformed();
      ByteView data = in.rest();
      const std::uint64_t end = std::uint64_t{*offset} + data.size();
      if (options_.disconnect_at && !disconnected_once_ && *options_.disconnect_at >= *offset &&
          *options_.disconnect_at < end) {
        disconnected_once_ = true;
        (void)device_.write(*offset, data.first(static_cast<std::size_t>(*options_.disconnect_at - *offset)));
        return std::nullopt;
      }
      return reply(device_.write(*offset, data));
    }
    case Opcode::kReadHash: {
      auto offset = in.u32();
      auto length = in.u32();
      if (!offset || !length) return malformed();
      return reply(device_.read_hash(*offset, *length));
    }
    case Opcode::kGenerateIdentity: return reply(device_.generate_identity());
    case Opcode::kInstallCertificate: return reply(device_.install_certificate(in.rest()));
    case Opcode::kBurnEfuse: {
      auto len = in.u8();
      if (!len) return malformed();
      auto name = in.take(*len);
      if (!name) return malformed();
      return reply(device_.burn_efuse(as_chars(*name), in.rest()));
    }
    case Opcode::kMeasure: {
      auto count = in.u32();
      if (!count || *count > 4096) return malformed();
      std::vector<device::Region> regions;
      for (std::uint32_t i = 0; i < *count; ++i) {
        auto offset = in.u32();
        auto length = in.u32();
        if (!offset || !length) return malformed();
        regions.push_back({*offset, *length});
      }
      auto m = device_.measure(regions);
      if (!m) return error_frame(m.error());
      return ok(encode_measurement(*m));
    }
    case Opcode::kReset: return boot_reply(device_.boot());
    case Opcode::kDescribe: {
      auto encoded = encode_description(device_.describe());
      if (!encoded) return error_frame(encoded.error());
      return ok(std::move(*encoded));
    }
  }
  return error_frame(Error{ErrorCode::kUsage, fmt::format("unknown opcode 0x{:02x}", request.code), 0, {}});
}

void DeviceServer::serve(int fd) {
  for (;;) {
    auto request = read_frame(fd, kIdleTimeout);
    if (!request) return;
    auto response = handle(*request);
    if (!response) return;  // injected disconnect
    if (options_.slow) std::this_thread::sleep_for(kSlowDelay);
    if (!write_frame(fd, *response, kReplyTimeout)) return;
  }
}

Result<void> DeviceServer::run(const std::function<void()>& ready) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = options_.socket_path.string();
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return fail(ErrorCode::kUsage, fmt::format("socket path '{}' is empty or too long", path));
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  fileio::UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener.valid()) return fail(ErrorCode::kIo, fmt::format("socket: {}", std::strerror(errno)));
  std::error_code ignored;
  std::filesystem::remove(options_.socket_path, ignored);
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener.get(), 4) != 0) {
    return fail(ErrorCode::kIo, fmt::format("{}: {}", path, std::strerror(errno)));
  }
  ready();
  for (;;) {
    fileio::UniqueFd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn.valid()) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return fail(ErrorCode::kIo, fmt::format("accept: {}", std::strerror(errno)));
    }
    serve(conn.get());
    if (auto saved = device_.save(); !saved) {
      fmt::print(stderr, "hallmark-devsim: {}\n", saved.error().message);
    }
  }
}

}  // namespace hallmark::devsim

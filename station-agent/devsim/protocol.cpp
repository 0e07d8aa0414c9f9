#include "station-agent/devsim/protocol.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace hallmark::devsim {
namespace {

using Clock = std::chrono::steady_clock;

// Waits until `fd` is ready for `events` or the deadline passes.
Result<void> wait_ready(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return fail(ErrorCode::kIo, "device did not answer in time (timeout)");
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return {};
    if (r < 0 && errno != EINTR) {
      return fail(ErrorCode::kIo, fmt::format("poll: {}", std::strerror(errno)));
    }
  }
}

Result<void> send_all(int fd, ByteView data, Clock::time_point deadline) {
  std::size_t done = 0;
  while (done < data.size()) {
    if (auto w = wait_ready(fd, POLLOUT, deadline); !w) return w;
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return fail(ErrorCode::kIo, fmt::format("connection lost while sending: {}", std::strerror(errno)));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Result<void> recv_all(int fd, std::span<std::byte> out, Clock::time_point deadline) {
  std::size_t done = 0;
  while (done < out.size()) {
    if (auto w = wait_ready(fd, POLLIN, deadline); !w) return w;
    ssize_t n = ::recv(fd, out.data() + done, out.size() - done, 0);
    if (n == 0) return fail(ErrorCode::kIo, "connection closed by the device");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return fail(ErrorCode::kIo, fmt::format("connection lost while receiving: {}", std::strerror(errno)));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

void put_u32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::byte>((v >> shift) & 0xFFu));
}
void put_u16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::byte>((v >> 8) & 0xFFu));
  out.push_back(static_cast<std::byte>(v & 0xFFu));
}

void put_u64(Bytes& out, std::uint64_t v) {
  put_u32(out, static_cast<std::uint32_t>(v >> 32));
  put_u32(out, static_cast<std::uint32_t>(v & 0xFFFFFFFFu));
}

Result<void> write_frame(int fd, const Frame& frame, std::chrono::milliseconds timeout) {
  if (frame.payload.size() + 1 > kMaxFrame) return fail(ErrorCode::kUsage, "frame too large");
  Bytes buf;
  buf.reserve(frame.payload.size() + 5);
  put_u32(buf, static_cast<std::uint32_t>(frame.payload.size() + 1));
  buf.push_back(static_cast<std::byte>(frame.code));
  buf.insert(buf.end(), frame.payload.begin(), frame.payload.end());
  return send_all(fd, buf, Clock::now() + timeout);
}

Result<Frame> read_frame(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::array<std::byte, 5> head{};
  if (auto r = recv_all(fd, head, deadline); !r) return std::unexpected(r.error());
  Reader reader(head);
  const std::uint32_t length = *reader.u32();
  if (length == 0 || length > kMaxFrame) {
    return fail(ErrorCode::kIo, fmt::format("protocol error: frame length {}", length));
  }
  Frame frame;
  frame.code = std::to_integer<std::uint8_t>(head[4]);
  // The payload grows as its bytes arrive, kReadStep at a time: a device that claims a
  // 16 MiB frame and sends 5 bytes costs the station kReadStep, not 16 MiB zeroed.
  const std::size_t size = length - 1;
  while (frame.payload.size() < size) {
    const std::size_t have = frame.payload.size();
    frame.payload.resize(std::min(size, have + kReadStep));
    if (auto r = recv_all(fd, std::span(frame.payload).subspan(have), deadline); !r) {
      return std::unexpected(r.error());
    }
  }
  return frame;
}

Result<ByteView> Reader::take(std::size_t n) {
  if (data_.size() - at_ < n) return fail(ErrorCode::kUsage, "protocol error: payload too short");
  ByteView out = data_.subspan(at_, n);
  at_ += n;
  return out;
}
Result<std::uint8_t> Reader::u8() {
  auto b = take(1);
  if (!b) return std::unexpected(b.error());
  return std::to_integer<std::uint8_t>((*b)[0]);
}
Result<std::uint16_t> Reader::u16() {
  auto b = take(2);
  if (!b) return std::unexpected(b.error());
  return static_cast<std::uint16_t>((std::to_integer<unsigned>((*b)[0]) << 8) | std::to_integer<unsigned>((*b)[1]));
}
Result<std::uint32_t> Reader::u32() {
  auto b = take(4);
  if (!b) return std::unexpected(b.error());
  std::uint32_t v = 0;
  for (std::byte x : *b) v = (v << 8) | std::to_integer<std::uint32_t>(x);
  return v;
}

Result<std::uint64_t> Reader::u64() {
  auto hi = u32();
  auto lo = u32();
  if (!hi || !lo) return fail(ErrorCode::kUsage, "protocol error: payload too short");
  return (std::uint64_t{*hi} << 32) | *lo;
}

}  // namespace hallmark::devsim

namespace hallmark::devsim {
namespace {
std::byte flag(bool b) { return b ? std::byte{1} : std::byte{0}; }
}  // namespace

Bytes encode_measurement(const device::Measurement& m) {
  Bytes out;
  out.push_back(flag(m.boot.boots));
  const std::string reason = m.boot.reason.substr(0, 0xFFFF);
  put_u16(out, static_cast<std::uint16_t>(reason.size()));
  auto r = as_bytes(reason);
  out.insert(out.end(), r.begin(), r.end());
  out.push_back(flag(m.efuses.key_digest_burned));
  auto kd = m.efuses.key_digest.bytes();
  out.insert(out.end(), kd.begin(), kd.end());
  out.push_back(flag(m.efuses.secure_boot_enabled));
  out.push_back(flag(m.efuses.debug_disabled));
  out.push_back(flag(m.identity_present));
  out.push_back(flag(m.certificate_present));
  for (const auto& d : m.region_digests) out.insert(out.end(), d.bytes().begin(), d.bytes().end());
  return out;
}

Result<device::Measurement> decode_measurement(ByteView payload, std::size_t regions) {
  Reader in(payload);
  device::Measurement m;
  auto boots = in.u8();
  auto reason_len = in.u16();
  if (!boots || !reason_len) return fail(ErrorCode::kIo, "protocol error: short measurement");
  m.boot.boots = *boots != 0;
  auto reason = in.take(*reason_len);
  auto burned = in.u8();
  auto digest = in.take(verifier::Digest::kSize);
  auto sb = in.u8();
  auto dbg = in.u8();
  auto ident = in.u8();
  auto cert = in.u8();
  if (!reason || !burned || !digest || !sb || !dbg || !ident || !cert) {
    return fail(ErrorCode::kIo, "protocol error: short measurement");
  }
  m.boot.reason = std::string(as_chars(*reason));
  m.efuses.key_digest_burned = *burned != 0;
  m.efuses.key_digest = *verifier::Digest::from_bytes(*digest);
  m.efuses.secure_boot_enabled = *sb != 0;
  m.efuses.debug_disabled = *dbg != 0;
  m.identity_present = *ident != 0;
  m.certificate_present = *cert != 0;
  for (std::size_t i = 0; i < regions; ++i) {
    auto d = in.take(verifier::Digest::kSize);
    if (!d) return fail(ErrorCode::kIo, "protocol error: measurement lacks region digests");
    m.region_digests.push_back(*verifier::Digest::from_bytes(*d));
  }
  if (!in.rest().empty()) return fail(ErrorCode::kIo, "protocol error: trailing measurement bytes");
  return m;
}

namespace {

Result<void> put_short_string(Bytes& out, std::string_view s, std::string_view what) {
  if (s.size() > 255) return fail(ErrorCode::kUsage, fmt::format("{} longer than 255 bytes", what));
  out.push_back(static_cast<std::byte>(s.size()));
  auto b = as_bytes(s);
  out.insert(out.end(), b.begin(), b.end());
  return {};
}

Result<std::string> short_string(Reader& in) {
  auto n = in.u8();
  if (!n) return std::unexpected(n.error());
  auto s = in.take(*n);
  if (!s) return std::unexpected(s.error());
  return std::string(as_chars(*s));
}

}  // namespace

Result<Bytes> encode_description(const device::DeviceDescription& d) {
  Bytes out;
  put_u64(out, d.flash_size);
  if (auto ok = put_short_string(out, d.family, "family"); !ok) return std::unexpected(ok.error());
  if (auto ok = put_short_string(out, d.chip_revision, "chip revision"); !ok) {
    return std::unexpected(ok.error());
  }
  if (d.boot_formats.size() > 255) return fail(ErrorCode::kUsage, "more than 255 boot formats");
  out.push_back(static_cast<std::byte>(d.boot_formats.size()));
  for (const auto& f : d.boot_formats) {
    if (auto ok = put_short_string(out, f, "boot format"); !ok) return std::unexpected(ok.error());
  }
  return out;
}

Result<device::DeviceDescription> decode_description(ByteView payload) {
  const auto short_reply = [] { return fail(ErrorCode::kIo, "protocol error: short description"); };
  Reader in(payload);
  device::DeviceDescription d;
  auto flash = in.u64();
  if (!flash) return short_reply();
  d.flash_size = *flash;
  auto family = short_string(in);
  auto revision = family ? short_string(in) : family;
  auto count = revision ? in.u8() : Result<std::uint8_t>(std::unexpected(revision.error()));
  if (!count) return short_reply();
  d.family = std::move(*family);
  d.chip_revision = std::move(*revision);
  for (unsigned i = 0; i < *count; ++i) {
    auto f = short_string(in);
    if (!f) return short_reply();
    d.boot_formats.push_back(std::move(*f));
  }
  if (!in.rest().empty()) return fail(ErrorCode::kIo, "protocol error: trailing description bytes");
  return d;
}

}  // namespace hallmark::devsim

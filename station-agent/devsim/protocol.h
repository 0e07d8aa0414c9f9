// The hallmark-devsim wire protocol: length-prefixed binary frames over a Unix stream socket.
//
// Request frame:  u32 length (big-endian, counts opcode + payload) | u8 opcode | payload
// Reply frame:    u32 length (big-endian, counts status + payload) | u8 status | payload
// Status 0 is ok; any other status is an error whose payload is a UTF-8 message for a
// person. Integers in payloads are big-endian. Opcodes and their payloads:
//   0x01 IDENTIFY          ()                          -> hardware id (ASCII)
//   0x02 WRITE             u32 offset | data           -> ()
//   0x03 READ_HASH         u32 offset | u32 length     -> 32-byte SHA-256 of that region
//   0x04 GEN_IDENTITY      ()                          -> DER SubjectPublicKeyInfo (P-256)
//   0x05 INSTALL_CERT      certificate DER             -> ()
//   0x06 BURN_EFUSE        u8 name length | name | value -> ()
//   0x07 MEASURE           u32 n | n × (u32 offset, u32 length) -> measurement (below)
//   0x08 RESET             ()                          -> u8 boots | reason
//   0x09 DESCRIBE          ()                          -> description (below)
// Measurement: u8 boots | u16 reason length | reason | u8 key digest burned | 32-byte key
// digest | u8 secure boot | u8 debug disabled | u8 identity present | u8 certificate present
// | n × 32-byte region digests.
// Description: u64 flash size | u8 length | family | u8 length | chip revision | u8 n |
// n × (u8 length | boot format name).
// A frame is at most kMaxFrame bytes; a larger length is a protocol error. Every read and
// write has a deadline, so a peer that goes silent or disappears is an Error, never a hang.
// Used by both the simulator and the station's sim driver; no OpenSSL, no device logic.
// Thread-safety: free functions on a caller-owned descriptor.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "verifier/core/bytes.h"
#include "verifier/core/error.h"

namespace hallmark::devsim {

inline constexpr std::size_t kMaxFrame = 16 * 1024 * 1024;
// read_frame() grows a payload this many bytes at a time as they arrive, so the length a
// peer claims costs memory only as its bytes come.
inline constexpr std::size_t kReadStep = 64 * 1024;

enum class Opcode : std::uint8_t {
  kIdentify = 0x01,
  kWrite = 0x02,
  kReadHash = 0x03,
  kGenerateIdentity = 0x04,
  kInstallCertificate = 0x05,
  kBurnEfuse = 0x06,
  kMeasure = 0x07,
  kReset = 0x08,
  kDescribe = 0x09,
};

enum class Status : std::uint8_t { kOk = 0, kError = 1, kRefused = 2 };

struct Frame {
  std::uint8_t code = 0;  // opcode in a request, status in a reply
  Bytes payload;
};

// Writes one frame. kIo on a closed peer (no SIGPIPE: MSG_NOSIGNAL) or a timeout.
[[nodiscard]] Result<void> write_frame(int fd, const Frame& frame, std::chrono::milliseconds timeout);
// Reads one frame. kIo naming "connection closed" on EOF, or the timeout when it expires.
[[nodiscard]] Result<Frame> read_frame(int fd, std::chrono::milliseconds timeout);

// Big-endian payload helpers.
void put_u32(Bytes& out, std::uint32_t v);
void put_u16(Bytes& out, std::uint16_t v);
void put_u64(Bytes& out, std::uint64_t v);

// Reads big-endian fields from a payload, failing (kUsage) instead of reading past the end.
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}
  [[nodiscard]] Result<std::uint8_t> u8();
  [[nodiscard]] Result<std::uint16_t> u16();
  [[nodiscard]] Result<std::uint32_t> u32();
  [[nodiscard]] Result<std::uint64_t> u64();
  [[nodiscard]] Result<ByteView> take(std::size_t n);
  [[nodiscard]] ByteView rest() const { return data_.subspan(at_); }

 private:
  ByteView data_;
  std::size_t at_ = 0;
};

}  // namespace hallmark::devsim

#include "station-agent/driver/device_types.h"

namespace hallmark::devsim {

// Measurement payload of MEASURE (layout in the paragraph at the top of this file).
[[nodiscard]] Bytes encode_measurement(const device::Measurement& m);
[[nodiscard]] Result<device::Measurement> decode_measurement(ByteView payload, std::size_t regions);
// Description payload of DESCRIBE; kUsage for a string longer than 255 bytes or more than
// 255 formats (encode), kIo for a short or trailing payload (decode).
[[nodiscard]] Result<Bytes> encode_description(const device::DeviceDescription& d);
[[nodiscard]] Result<device::DeviceDescription> decode_description(ByteView payload);

}  // namespace hallmark::devsim

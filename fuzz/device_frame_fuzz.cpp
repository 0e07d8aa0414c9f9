// What a device sends back to the station (a malicious or broken device is an attacker
// too): devsim::read_frame() over a stream socket, as the station's device driver reads
// replies, then the reply payload decoders (decode_measurement, decode_description) and
// the payload Reader. Input: the first byte is how many regions a measurement should
// have; the rest is what arrives on the socket, after which the device hangs up.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "fuzz/fuzz_support.h"
#include "station-agent/devsim/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  if (size < 1 || size > 64 * 1024) return 0;  // stays inside the socket's buffer
  const std::size_t regions = data[0] % 8;
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) fuzz::finding("socketpair");
  const ByteView wire = fuzz::bytes_of(data + 1, size - 1);
  std::size_t done = 0;
  while (done < wire.size()) {
    const ssize_t n = ::write(fds[1], wire.data() + done, wire.size() - done);
    if (n <= 0) fuzz::finding("writing the socket failed");
    done += static_cast<std::size_t>(n);
  }
  ::close(fds[1]);
  for (int frames = 0; frames < 64; ++frames) {
    auto frame = devsim::read_frame(fds[0], std::chrono::milliseconds(100));
    if (!frame) break;
    if (frame->payload.size() > devsim::kMaxFrame) fuzz::finding("a frame over kMaxFrame was read");
    (void)devsim::decode_measurement(frame->payload, regions);
    (void)devsim::decode_description(frame->payload);
    devsim::Reader reader(frame->payload);
    while (reader.u8() && reader.u16() && reader.u32() && reader.u64()) {
    }
  }
  ::close(fds[0]);
  return 0;
}

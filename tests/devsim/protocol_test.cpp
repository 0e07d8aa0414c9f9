// The frame reader both ends of the device link use (station-agent/devsim/protocol.h), on a
// socket pair: what a device sends, however it is cut, and what a lying device claims.
#include <doctest/doctest.h>

#include <malloc.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "station-agent/devsim/protocol.h"

namespace hallmark::devsim {
namespace {

using namespace std::chrono_literals;

struct SocketPair {
  int station = -1;
  int device = -1;
  SocketPair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    station = fds[0];
    device = fds[1];
  }
  ~SocketPair() {
    if (station >= 0) ::close(station);
    hang_up();
  }
  void hang_up() {
    if (device >= 0) ::close(device);
    device = -1;
  }
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;
};

TEST_CASE("a frame of several read steps arrives whole and in order") {
  SocketPair link;
  Frame sent;
  sent.code = 0x02;
  for (std::size_t i = 0; i < 3 * kReadStep + 7; ++i) sent.payload.push_back(static_cast<std::byte>(i * 31 + i / 251));
  std::thread device([&] { CHECK(write_frame(link.device, sent, 5s)); });
  auto frame = read_frame(link.station, 5s);
  device.join();
  REQUIRE_MESSAGE(frame, (frame ? "" : frame.error().message));
  CHECK(frame->code == sent.code);
  CHECK(frame->payload == sent.payload);
}

// Heap the process holds now, mmapped blocks included: glibc's count. A sanitizer's allocator
// is not glibc's, so under one this does not move and the bound below holds trivially.
std::size_t heap_in_use() {
  const struct mallinfo2 info = ::mallinfo2();
  return info.uordblks + info.hblkhd;
}

// A hostile or broken device claims the largest frame and sends a few bytes. While the
// station waits for the rest, it holds one read step, not the 16 MiB claimed (the reader
// used to zero-fill the claimed length first); the read ends with an error at the hang-up.
TEST_CASE("a device that claims a 16 MiB frame and sends 10 bytes costs the station one read step, then a connection error") {
  SocketPair link;
  const std::size_t before = heap_in_use();
  std::size_t waiting = 0;
  std::thread device([&] {
    Bytes head;
    put_u32(head, static_cast<std::uint32_t>(kMaxFrame));
    head.push_back(std::byte{0});
    head.resize(head.size() + 10);  // 10 bytes of the payload
    CHECK(::write(link.device, head.data(), head.size()) == static_cast<ssize_t>(head.size()));
    std::this_thread::sleep_for(200ms);  // the station reads the head and waits for the rest
    waiting = heap_in_use();
    link.hang_up();
  });
  auto frame = read_frame(link.station, 5s);
  device.join();
  REQUIRE_FALSE(frame);
  CHECK(frame.error().code == ErrorCode::kIo);
  CHECK(frame.error().message.find("connection closed by the device") != std::string::npos);
  const std::size_t grown = waiting > before ? waiting - before : 0;
  INFO("heap grown while the station waited: " << grown << " bytes");
  CHECK(grown < kMaxFrame / 4);
}

TEST_CASE("a frame length over kMaxFrame or of 0 is a protocol error naming the length") {
  for (const std::uint32_t claimed : {static_cast<std::uint32_t>(kMaxFrame + 1), 0u}) {
    CAPTURE(claimed);
    SocketPair link;
    Bytes head;
    put_u32(head, claimed);
    head.push_back(std::byte{0});
    REQUIRE(::write(link.device, head.data(), head.size()) == static_cast<ssize_t>(head.size()));
    auto frame = read_frame(link.station, 5s);
    REQUIRE_FALSE(frame);
    CHECK(frame.error().message.find(fmt::format("frame length {}", claimed)) != std::string::npos);
  }
}

}  // namespace
}  // namespace hallmark::devsim

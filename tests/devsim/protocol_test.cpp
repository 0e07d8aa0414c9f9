// The frame reader both ends of the device link use (station-agent/devsim/protocol.h), on a
// socket pair: what a device sends, however it is cut, and what a lying device claims.
#include <doctest/doctest.h>

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
  for (std::size_t i = 0; i < 3 * 64 * 1024 + 7; ++i) sent.payload.push_back(static_cast<std::byte>(i * 31 + i / 251));
  std::thread device([&] { CHECK(write_frame(link.device, sent, 5s)); });
  auto frame = read_frame(link.station, 5s);
  device.join();
  REQUIRE_MESSAGE(frame, (frame ? "" : frame.error().message));
  CHECK(frame->code == sent.code);
  CHECK(frame->payload == sent.payload);
}

// A hostile or broken device claims the largest frame and sends a few bytes: the read ends
// with an error when it hangs up (the payload grew only by what arrived).
TEST_CASE("a device that claims a 16 MiB frame, sends 10 bytes and hangs up is a connection error") {
  SocketPair link;
  const auto claimed = static_cast<std::uint32_t>(kMaxFrame);
  Bytes head;
  put_u32(head, claimed);
  head.push_back(std::byte{0});
  head.resize(head.size() + 10);  // 10 bytes of the payload
  REQUIRE(::write(link.device, head.data(), head.size()) == static_cast<ssize_t>(head.size()));
  link.hang_up();
  auto frame = read_frame(link.station, 5s);
  REQUIRE_FALSE(frame);
  CHECK(frame.error().code == ErrorCode::kIo);
  CHECK(frame.error().message.find("connection closed by the device") != std::string::npos);
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

// hallmark-test-cac-card: virtual CAC smart cards for tests, inserted into vpcd readers.
//
// libcacard emulates a CAC card over certificates and keys in an NSS database; vpcd (the
// vsmartcard PC/SC reader driver that pcscd loads) is a reader that waits for a card on a
// TCP port. This program is the card side of that socket, one connection per card:
// every frame is a two-byte big-endian length and a body; a one-byte body is a reader
// command (0 power off, 1 power on, 2 reset, 4 send the ATR), anything longer is a command
// APDU, answered by the card's response APDU in a frame of its own. OpenSC's CAC driver
// and opensc-pkcs11.so then see real readers with real cards through pcscd.
//
// Usage: hallmark-test-cac-card --db sql:DIR --card PORT:CERT[,CERT[,CERT]] [--card ...]
// Each card presents the named certificates (and their private keys) of the NSS token
// "NSS Certificate DB" in DIR; the card PIN is that database's password. Runs until every
// reader has closed its connection (pcscd stopped) or a signal; exits non-zero, saying
// why, when a card cannot be set up or a reader never answers. Test-only: it never sees a
// production key, and its NSS database holds throwaway keys.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <cacard/libcacard.h>
}

namespace {

constexpr const char* kNssToken = "NSS Certificate DB";

struct Card {
  int port = 0;
  std::vector<std::string> certs;
  std::string reader_name;
  VReader* reader = nullptr;
  int fd = -1;
  std::vector<unsigned char> atr;
};

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "hallmark-test-cac-card: %s\n", why.c_str());
  std::exit(1);
}

bool read_exact(int fd, unsigned char* out, std::size_t n) {
  while (n > 0) {
    const ssize_t got = ::read(fd, out, n);
    if (got <= 0) return false;
    out += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

bool write_frame(int fd, const unsigned char* body, std::size_t n) {
  std::vector<unsigned char> frame(2 + n);
  frame[0] = static_cast<unsigned char>(n >> 8);
  frame[1] = static_cast<unsigned char>(n & 0xff);
  std::copy(body, body + n, frame.begin() + 2);
  std::size_t done = 0;
  while (done < frame.size()) {
    const ssize_t put = ::write(fd, frame.data() + done, frame.size() - done);
    if (put <= 0) return false;
    done += static_cast<std::size_t>(put);
  }
  return true;
}

// vpcd listens once pcscd has loaded it: retry for up to 20 s.
int connect_reader(int port) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return fd;
    }
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  die("no vpcd reader listening on 127.0.0.1:" + std::to_string(port) +
      " after 20 s: is pcscd running with that reader configured?");
}

void power_on(Card& card) {
  std::array<unsigned char, 64> atr{};
  int len = static_cast<int>(atr.size());
  if (vreader_power_on(card.reader, atr.data(), &len) != VREADER_OK) {
    die("card on " + card.reader_name + " does not power on");
  }
  card.atr.assign(atr.begin(), atr.begin() + len);
}

// One frame from the reader; false when the reader closed the connection.
bool serve_one(Card& card) {
  std::array<unsigned char, 2> head{};
  if (!read_exact(card.fd, head.data(), head.size())) return false;
  const std::size_t n = (static_cast<std::size_t>(head[0]) << 8) | head[1];
  std::vector<unsigned char> body(n);
  if (n > 0 && !read_exact(card.fd, body.data(), n)) return false;
  if (n == 1) {
    switch (body[0]) {
      case 0: vreader_power_off(card.reader); card.atr.clear(); return true;
      case 1: power_on(card); return true;
      case 2: vreader_power_off(card.reader); power_on(card); return true;
      case 4:
        if (card.atr.empty()) power_on(card);
        return write_frame(card.fd, card.atr.data(), card.atr.size());
      default: return true;  // a reader command this card does not know: ignored
    }
  }
  if (n == 0) return true;
  std::array<unsigned char, 65536 + 2> response{};
  int len = static_cast<int>(response.size());
  if (vreader_xfr_bytes(card.reader, body.data(), static_cast<int>(n), response.data(), &len) !=
      VREADER_OK) {
    const unsigned char error[2] = {0x6f, 0x00};  // no precise diagnosis
    return write_frame(card.fd, error, sizeof error);
  }
  return write_frame(card.fd, response.data(), static_cast<std::size_t>(len));
}

}  // namespace

int main(int argc, char** argv) {
  std::string db;
  std::vector<Card> cards;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--db") {
      db = value;
    } else if (flag == "--card") {
      const auto colon = value.find(':');
      if (colon == std::string::npos) die("--card wants PORT:CERT[,CERT[,CERT]], got " + value);
      Card card;
      card.port = std::atoi(value.substr(0, colon).c_str());
      std::string rest = value.substr(colon + 1);
      for (std::size_t at = 0; at <= rest.size();) {
        const auto comma = rest.find(',', at);
        const auto end = comma == std::string::npos ? rest.size() : comma;
        if (end > at) card.certs.push_back(rest.substr(at, end - at));
        at = end + 1;
      }
      if (card.port <= 0 || card.port > 65535 || card.certs.empty() || card.certs.size() > 3) {
        die("--card wants PORT:CERT[,CERT[,CERT]] (1 to 3 certificates), got " + value);
      }
      card.reader_name = "hallmark-card-" + std::to_string(card.port);
      cards.push_back(std::move(card));
    } else {
      die("unknown flag " + flag);
    }
  }
  if (db.empty() || cards.empty()) {
    die("usage: hallmark-test-cac-card --db sql:DIR --card PORT:CERT[,CERT[,CERT]] ...");
  }

  std::string options = "db=\"" + db + "\" use_hw=no";
  for (const Card& card : cards) {
    options += " soft=(" + std::string(kNssToken) + "," + card.reader_name + ",CAC,,";
    for (std::size_t i = 0; i < card.certs.size(); ++i) {
      options += (i ? "," : "") + card.certs[i];
    }
    options += ")";
  }
  VCardEmulOptions* parsed = vcard_emul_options(options.c_str());
  if (parsed == nullptr) die("libcacard refused the options: " + options);
  if (vcard_emul_init(parsed) != VCARD_EMUL_OK) {
    die("libcacard could not set up the cards from " + db +
        " (certificate nicknames and their keys must be in it)");
  }
  for (Card& card : cards) {
    card.reader = vreader_get_reader_by_name(card.reader_name.c_str());
    if (card.reader == nullptr) die("libcacard made no reader " + card.reader_name);
    if (vreader_card_is_present(card.reader) != VREADER_OK) {
      die("no card in " + card.reader_name + ": check the certificates " + card.certs.front());
    }
    card.fd = connect_reader(card.port);
  }
  std::fprintf(stderr, "hallmark-test-cac-card: %zu card(s) inserted\n", cards.size());

  std::vector<pollfd> fds;
  for (const Card& card : cards) fds.push_back(pollfd{card.fd, static_cast<short>(POLLIN), 0});
  std::size_t open = cards.size();
  while (open > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      if (!serve_one(cards[i])) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  for (Card& card : cards) vreader_free(card.reader);
  vcard_emul_finalize();
  return 0;
}

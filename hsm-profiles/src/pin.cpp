#include "hsm-profiles/src/pin.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <openssl/crypto.h>

namespace hallmark::hsm {

Pin::Pin(std::string_view secret)
    : buffer_(std::make_unique<unsigned char[]>(kMaxLength)),
      size_(std::min(secret.size(), kMaxLength)) {
  std::memcpy(buffer_.get(), secret.data(), size_);
}

Pin::~Pin() { wipe(); }

Pin::Pin(Pin&& other) noexcept
    : buffer_(std::move(other.buffer_)), size_(std::exchange(other.size_, 0)) {}

Pin& Pin::operator=(Pin&& other) noexcept {
  if (this != &other) {
    wipe();
    buffer_ = std::move(other.buffer_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

const unsigned char* Pin::data() const noexcept {
  static const unsigned char kEmpty = 0;
  return buffer_ ? buffer_.get() : &kEmpty;
}

void Pin::wipe() noexcept {
  if (buffer_) OPENSSL_cleanse(buffer_.get(), kMaxLength);
  size_ = 0;
}

// Fills a Pin in place, one byte at a time, so the secret never passes through a
// growing std::string that would leave copies behind.
class PinWriter {
 public:
  PinWriter() { pin_.buffer_ = std::make_unique<unsigned char[]>(Pin::kMaxLength); }
  bool push(unsigned char c) {
    if (pin_.size_ == Pin::kMaxLength) return false;
    pin_.buffer_[pin_.size_++] = c;
    return true;
  }
  void drop_trailing_cr() {
    if (pin_.size_ > 0 && pin_.buffer_[pin_.size_ - 1] == '\r') {
      pin_.buffer_[--pin_.size_] = 0;
    }
  }
  Pin take() && { return std::move(pin_); }

 private:
  Pin pin_;
};

namespace {

std::string errno_text(int error) { return std::strerror(error); }

Pin copy_of(const Pin& pin) {
  return Pin(std::string_view(reinterpret_cast<const char*>(pin.data()), pin.size()));
}

// PINs taken from a variable, which is gone after the first read, for the later reads of
// the same source in this process (the login, then a signature on a key that asks for its
// PIN each time). Wiped by forget_pins() and at exit.
class PinCache {
 public:
  std::optional<Pin> find(const std::string& source) {
    std::lock_guard lock(mutex_);
    auto it = pins_.find(source);
    if (it == pins_.end()) return std::nullopt;
    return copy_of(it->second);
  }
  void keep(const std::string& source, const Pin& pin) {
    std::lock_guard lock(mutex_);
    pins_.insert_or_assign(source, copy_of(pin));
  }
  void clear() {
    std::lock_guard lock(mutex_);
    pins_.clear();  // each Pin wipes itself
  }

 private:
  std::mutex mutex_;
  std::map<std::string, Pin> pins_;
};

PinCache& cache() {
  static PinCache pins;
  return pins;
}

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads up to a newline or EOF, byte by byte: nothing after the newline is consumed, so
// a descriptor can carry more than the PIN.
Result<Pin> read_line(int fd, std::string_view origin) {
  PinWriter writer;
  for (;;) {
    unsigned char c = 0;
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return fail(ErrorCode::kIo,
                  fmt::format("cannot read the PIN from {}: {}", origin, errno_text(errno)));
    }
    if (n == 0 || c == '\n') break;
    if (!writer.push(c)) {
      return fail(ErrorCode::kUsage, fmt::format("the PIN from {} is longer than {} bytes",
                                                 origin, Pin::kMaxLength));
    }
  }
  writer.drop_trailing_cr();
  Pin pin = std::move(writer).take();
  if (pin.empty()) {
    return fail(ErrorCode::kUsage, fmt::format("the PIN from {} is empty", origin));
  }
  return pin;
}

Result<Pin> read_file(const std::string& path) {
  const std::string origin = fmt::format("file {}", path);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    return fail(ErrorCode::kIo,
                fmt::format("cannot open PIN file {}: {}", path, errno_text(errno)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(ErrorCode::kIo, fmt::format("cannot stat PIN file {}: {}", path,
                                            errno_text(errno)));
  }
  if (S_ISREG(st.st_mode) && (st.st_mode & S_IROTH) != 0) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("PIN file {} is readable by every user: run chmod 600 {} and "
                            "consider changing the PIN",
                            path, path));
  }
  return read_line(fd.get(), origin);
}

// True when nothing more can ever be read from `fd` after a line was taken from it: a pipe
// whose writer is gone and that holds nothing more, or a file read to its end.
bool exhausted(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  if (S_ISREG(st.st_mode)) {
    const off_t at = ::lseek(fd, 0, SEEK_CUR);
    return at >= 0 && at >= st.st_size;
  }
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) == 0 && (p.revents & POLLHUP) != 0;
}

// Points `fd` at /dev/null (close-on-exec): the PIN's descriptor is closed, and the number
// stays valid for whoever owns it (and closes it later).
Result<void> release_descriptor(int fd) {
  Fd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null.get() < 0 || ::dup3(null.get(), fd, O_CLOEXEC) < 0) {
    return fail(ErrorCode::kIo, fmt::format("cannot close PIN file descriptor {} after reading "
                                            "it: {}", fd, errno_text(errno)));
  }
  return {};
}

Result<Pin> read_fd(const std::string& number) {
  int fd = -1;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), fd);
  if (ec != std::errc{} || end != number.data() + number.size() || fd < 0) {
    return fail(ErrorCode::kUsage,
                fmt::format("'fd:{}' is not a file descriptor number (e.g. fd:3)", number));
  }
  const int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0) {
    return fail(ErrorCode::kUsage, fmt::format("file descriptor {} is not open: pass the "
                                               "PIN on it, e.g. 3<pin.txt",
                                               fd));
  }
  // Never inherited by a program this process starts, from the first read on.
  if ((flags & FD_CLOEXEC) == 0 && ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0) {
    return fail(ErrorCode::kIo, fmt::format("cannot mark PIN file descriptor {} close-on-exec: "
                                            "{}", fd, errno_text(errno)));
  }
  auto pin = read_line(fd, fmt::format("file descriptor {}", fd));
  // Closed as soon as nothing more can come from it. Until then it stays open (close-on-
  // exec): a retry after a wrong PIN and a per-signature PIN read the next line.
  if (exhausted(fd)) {
    if (auto released = release_descriptor(fd); !released) {
      return std::unexpected(std::move(released).error());
    }
  }
  return pin;
}

bool valid_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<Pin> read_env(const std::string& name) {
  if (!valid_env_name(name)) {
    return fail(ErrorCode::kUsage,
                fmt::format("'env:{}' does not name an environment variable (e.g. "
                            "env:HALLMARK_PIN)",
                            name));
  }
  const std::string key = "env:" + name;
  char* value = std::getenv(name.c_str());
  if (value == nullptr) {
    if (auto kept = cache().find(key)) return std::move(*kept);
    return fail(ErrorCode::kUsage,
                fmt::format("environment variable {} is not set: export it or choose "
                            "another PIN source (prompt, file:PATH, fd:N)",
                            name));
  }
  const std::string_view secret(value);
  if (secret.empty()) {
    return fail(ErrorCode::kUsage, fmt::format("environment variable {} is empty", name));
  }
  if (secret.size() > Pin::kMaxLength) {
    return fail(ErrorCode::kUsage,
                fmt::format("the PIN in {} is longer than {} bytes", name, Pin::kMaxLength));
  }
  Pin pin(secret);
  // Out of the environment: wiped where it lies (for a variable the process started with,
  // the block /proc/PID/environ shows) and removed, so no program started later inherits
  // it.
  OPENSSL_cleanse(value, secret.size());
  ::unsetenv(name.c_str());
  cache().keep(key, pin);
  return pin;
}

// Restores the terminal's settings however the prompt ends.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;
  bool active() const { return active_; }

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

Result<Pin> read_prompt(std::string_view prompt_text) {
  Fd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (tty.get() < 0) {
    return fail(ErrorCode::kUsage,
                "no terminal to ask for the PIN: give it with file:PATH, fd:N or env:NAME");
  }
  EchoOff echo_off(tty.get());
  if (!echo_off.active()) {
    return fail(ErrorCode::kIo, "cannot turn off echo on the terminal; refusing to prompt "
                                "for the PIN");
  }
  if (!prompt_text.empty()) {
    if (::write(tty.get(), prompt_text.data(), prompt_text.size()) < 0) {
      return fail(ErrorCode::kIo, "cannot write the PIN prompt to the terminal");
    }
  }
  return read_line(tty.get(), "the terminal");
}

}  // namespace

Result<PinSource> parse_pin_source(std::string_view spec) {
  if (spec == "prompt") return PinSource{PinSource::Kind::kPrompt, {}};
  struct Prefix {
    std::string_view text;
    PinSource::Kind kind;
  };
  static constexpr Prefix kPrefixes[] = {{"file:", PinSource::Kind::kFile},
                                         {"fd:", PinSource::Kind::kFd},
                                         {"env:", PinSource::Kind::kEnv}};
  for (const auto& prefix : kPrefixes) {
    if (spec.starts_with(prefix.text) && spec.size() > prefix.text.size()) {
      return PinSource{prefix.kind, std::string(spec.substr(prefix.text.size()))};
    }
  }
  // Never echo `spec`: a user may have typed the PIN itself here.
  return fail(ErrorCode::kUsage,
              "a PIN source is 'prompt', 'file:PATH', 'fd:N' or 'env:NAME' (a PIN itself is "
              "never accepted on the command line)");
}

void forget_pins() { cache().clear(); }

Result<Pin> read_pin(const PinSource& source, std::string_view prompt_text) {
  switch (source.kind) {
    case PinSource::Kind::kPrompt: return read_prompt(prompt_text);
    case PinSource::Kind::kFile: return read_file(source.value);
    case PinSource::Kind::kFd: return read_fd(source.value);
    case PinSource::Kind::kEnv: return read_env(source.value);
  }
  return fail(ErrorCode::kInternal, "unknown PIN source");
}

}  // namespace hallmark::hsm

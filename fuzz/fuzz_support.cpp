#include "fuzz/fuzz_support.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <google/protobuf/stubs/logging.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "verifier/core/dsse.h"
#include "verifier/core/openssl_handles.h"
#include "verifier/io/file_io.h"
#include "verifier/trust/trust.h"

namespace hallmark::fuzz {

void finding(std::string_view what) {
  std::fprintf(stderr, "FUZZ FINDING: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

MemFile::MemFile(ByteView bytes) {
  fd_ = memfd_create("fuzz-input", MFD_CLOEXEC);
  if (fd_ < 0) finding("memfd_create failed");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n <= 0) finding("writing the memfd failed");
    done += static_cast<std::size_t>(n);
  }
  path_ = "/proc/self/fd/" + std::to_string(fd_);
}

MemFile::~MemFile() { ::close(fd_); }

namespace {

// protobuf logs every string field with invalid UTF-8 it refuses: millions of lines in a run.
[[maybe_unused]] const bool kQuietProtobuf = [] {
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int,
                                     const std::string&) {});
  return true;
}();

verifier::PublicKey make_key(EVP_PKEY* raw) {
  ossl::PkeyPtr key(raw);
  if (!key) finding("key generation failed");
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key.get(), &der);
  if (len <= 0) finding("i2d_PUBKEY failed");
  ossl::OpensslPtr<unsigned char> owned(der);
  auto pub = verifier::PublicKey::from_spki_der(
      ByteView(reinterpret_cast<const std::byte*>(der), static_cast<std::size_t>(len)));
  if (!pub) finding("a generated key is refused");
  return *pub;
}

}  // namespace

const verifier::PublicKey& p256_key() {
  static const verifier::PublicKey key = make_key(EVP_EC_gen("P-256"));
  return key;
}

const verifier::PublicKey& rsa3072_key() {
  static const verifier::PublicKey key = make_key(EVP_RSA_gen(3072));
  return key;
}

const verifier::TrustedRoot& demo_trusted_root() {
  static const verifier::Trust trust = [] {
    const std::filesystem::path dir = HALLMARK_FUZZ_DATA;
    auto json = fileio::read_file(dir / "trust-root-v1.json", 1 << 20);
    auto anchor = fileio::read_file(dir / "trust-root-anchor.sha256", 1 << 10);
    if (!json || !anchor) finding("cannot read fuzz/data/trust-root-*");
    std::string hex(reinterpret_cast<const char*>(anchor->data()), anchor->size());
    hex = hex.substr(0, hex.find_first_of(" \n"));
    auto digest = verifier::Digest::from_hex(hex);
    auto envelope = verifier::parse_envelope_json(
        std::string_view(reinterpret_cast<const char*>(json->data()), json->size()));
    if (!digest || !envelope) finding("fuzz/data/trust-root-* do not parse");
    verifier::TrustInputs inputs;
    inputs.chain.push_back({"trust-root-v1.json", *envelope});
    inputs.anchor = verifier::AnchorPin::digest(*digest);
    inputs.now_unix = kDemoTime;
    auto trust = verifier::load_trust(std::move(inputs));
    if (!trust) finding("fuzz/data/trust-root-v1.json is not trusted: " + trust.error().message);
    return std::move(*trust);
  }();
  return trust.root();
}

}  // namespace hallmark::fuzz

#include "testkit/in_process_keys.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

namespace hallmark::verifier::testing {

namespace {

const unsigned char* uchars(ByteView b) { return reinterpret_cast<const unsigned char*>(b.data()); }

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string(what) + ": " + ossl::take_error_reason());
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

const char* name(Alg alg) {
  switch (alg) {
    case Alg::kP256: return "P-256";
    case Alg::kP384: return "P-384";
    case Alg::kRsa3072: return "RSA-3072";
    case Alg::kEd25519: return "Ed25519";
  }
  return "?";
}

ossl::PkeyPtr generate(const char* type, const char* curve_or_null, std::size_t rsa_bits) {
  EVP_PKEY* p = nullptr;
  if (rsa_bits != 0) p = EVP_PKEY_Q_keygen(nullptr, nullptr, type, rsa_bits);
  else if (curve_or_null != nullptr) p = EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve_or_null);
  else p = EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  check(p != nullptr, "key generation");
  return ossl::PkeyPtr(p);
}

std::string public_pem(EVP_PKEY* pkey) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PUBKEY(bio.get(), pkey) == 1, "PEM_write_bio_PUBKEY");
  return bio_text(bio.get());
}

std::string private_pem(EVP_PKEY* pkey) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  return bio_text(bio.get());
}

Bytes spki_der(EVP_PKEY* pkey) {
  unsigned char* out = nullptr;
  const int len = i2d_PUBKEY(pkey, &out);
  check(len > 0, "i2d_PUBKEY");
  ossl::OpensslPtr<unsigned char> owned(out);
  const auto* first = reinterpret_cast<const std::byte*>(out);
  return Bytes(first, first + len);
}

const TestKey& key(Alg alg, int index) {
  static std::map<std::pair<Alg, int>, TestKey> cache;
  const auto slot = std::make_pair(alg, index);
  if (auto it = cache.find(slot); it != cache.end()) return it->second;
  ossl::PkeyPtr priv;
  switch (alg) {
    case Alg::kP256: priv = generate("EC", "P-256"); break;
    case Alg::kP384: priv = generate("EC", "P-384"); break;
    case Alg::kRsa3072: priv = generate("RSA", nullptr, 3072); break;
    case Alg::kEd25519: priv = generate("ED25519", nullptr); break;
  }
  auto pub = PublicKey::from_spki_der(spki_der(priv.get()));
  check(pub.has_value(), "PublicKey::from_spki_der of a generated key");
  std::string pem = private_pem(priv.get());
  auto [it, inserted] =
      cache.emplace(slot, TestKey{alg, std::move(priv), std::move(*pub), std::move(pem)});
  return it->second;
}

Bytes sign_raw(EVP_PKEY* pkey, const EVP_MD* md, ByteView message, int rsa_padding,
               int pss_salt) {
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  check(EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, pkey) == 1, "EVP_DigestSignInit");
  if (rsa_padding != 0) {
    check(EVP_PKEY_CTX_set_rsa_padding(pctx, rsa_padding) == 1, "set padding");
    if (rsa_padding == RSA_PKCS1_PSS_PADDING) {
      check(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1, "set mgf1");
      check(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss_salt) == 1, "set salt");
    }
  }
  std::size_t len = 0;
  check(EVP_DigestSign(ctx.get(), nullptr, &len, uchars(message), message.size()) == 1, "size");
  Bytes sig(len);
  check(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       uchars(message), message.size()) == 1,
        "EVP_DigestSign");
  sig.resize(len);
  return sig;
}

Bytes sign(const TestKey& k, ByteView message, int pss_salt) {
  switch (k.alg) {
    case Alg::kP256: return sign_raw(k.priv.get(), EVP_sha256(), message);
    case Alg::kP384: return sign_raw(k.priv.get(), EVP_sha384(), message);
    case Alg::kRsa3072:
      return sign_raw(k.priv.get(), EVP_sha256(), message, RSA_PKCS1_PSS_PADDING, pss_salt);
    case Alg::kEd25519: return sign_raw(k.priv.get(), nullptr, message);
  }
  return {};
}

v1::Envelope make_envelope(std::string_view payload_type, std::string_view payload,
                           const std::vector<const TestKey*>& signers) {
  v1::Envelope env;
  env.set_payload_type(std::string(payload_type));
  env.set_payload(std::string(payload));
  // PAE spelled out here rather than calling pae(), so a bug there cannot hide itself.
  const std::string message = "DSSEv1 " + std::to_string(payload_type.size()) + " " +
                              std::string(payload_type) + " " +
                              std::to_string(payload.size()) + " " + std::string(payload);
  for (const TestKey* k : signers) {
    auto* s = env.add_signatures();
    s->set_keyid(k->pub.key_id());
    const Bytes sig = sign(*k, as_bytes(message));
    s->set_sig(std::string(as_chars(sig)));
  }
  return env;
}

std::string base64(ByteView data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), uchars(data),
                                static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "hallmark-test-XXXXXX").string();
  check(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::add, ec);
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::write(const std::string& file, std::string_view content) const {
  const auto p = path_ / file;
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + p.string());
  return p;
}

std::vector<std::string> TempDir::entries() const {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(path_)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace hallmark::verifier::testing

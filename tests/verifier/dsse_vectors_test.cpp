// Test vectors published with the DSSE specification (secure-systems-lab/dsse: protocol.md
// and testvectors/vectors.json). The keys are the Ed25519 keys of RFC 8032 §7.1 tests 1-2
// and the P-256 key of protocol.md; the signatures were made by those projects, not by us.
#include <doctest/doctest.h>

#include <openssl/evp.h>

#include "testkit/in_process_keys.h"
#include "verifier/core/dsse.h"

namespace hv = hallmark::verifier;
namespace ht = hallmark::verifier::testing;
using hallmark::as_bytes;
using hallmark::Bytes;
using hallmark::from_hex;
using hallmark::to_hex;

namespace {

hv::PublicKey ed25519(std::string_view public_hex) {
  const Bytes raw = *from_hex(public_hex);
  hallmark::ossl::PkeyPtr pkey(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
  REQUIRE(pkey != nullptr);
  return *hv::PublicKey::from_spki_der(ht::spki_der(pkey.get()));
}

const hv::PublicKey& key_a() {
  static const auto k = ed25519("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  return k;
}
const hv::PublicKey& key_b() {
  static const auto k = ed25519("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  return k;
}

constexpr const char* kInToto = "application/vnd.in-toto+json";
constexpr const char* kStatement = "eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjEifQ==";
constexpr const char* kSigA =
    "2WAfaHm5jluo0w+0rk8uVkluELJYWjSmU9x7EUzx+AyteDGJ4/nqyJXfmAUVFIAoQafWm7AxBZNw5M9ixNHiCA==";
constexpr const char* kSigB =
    "c1+67/aT0yqEpwx8PsVY3MLHsj9D0CZ014/Fv/QlG59P+9CobUZ7xECJ/V3USG0Ob9CiE5LjReEZUzNF2l7eBw==";
constexpr const char* kStatementPae =
    "445353457631203238206170706c69636174696f6e2f766e642e696e2d746f746f2b6a736f6e203433207b"
    "225f74797065223a2268747470733a2f2f696e2d746f746f2e696f2f53746174656d656e742f7631227d";

std::string envelope(std::string_view type, std::string_view payload,
                     std::initializer_list<std::pair<const char*, const char*>> sigs) {
  std::string json = R"({"payload":")" + std::string(payload) + R"(","payloadType":")" +
                     std::string(type) + R"(","signatures":[)";
  bool first = true;
  for (const auto& [sig, keyid] : sigs) {
    json += std::string(first ? "" : ",") + R"({"sig":")" + sig + "\"";
    if (keyid != nullptr) json += R"(,"keyid":")" + std::string(keyid) + "\"";
    json += "}";
    first = false;
  }
  return json + "]}";
}

hallmark::Result<hv::VerifiedPayload> verify_json(const std::string& json,
                                                  std::vector<hv::PublicKey> keys,
                                                  std::uint32_t threshold,
                                                  std::string_view type = kInToto) {
  auto env = hv::parse_envelope_json(json);
  if (!env) return std::unexpected(env.error());
  return hv::verify_envelope(*env, keys, threshold, type);
}

}  // namespace

TEST_CASE("DSSE spec: PAE of the hello-world example") {
  const Bytes p = hv::pae("http://example.com/HelloWorld", as_bytes("hello world"));
  CHECK(hallmark::as_chars(p) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
}

TEST_CASE("DSSE spec: P-256 hello-world signature (r||s) verifies after DER conversion") {
  const auto key = hv::PublicKey::from_spki_der(*from_hex(
      "3059301306072a8648ce3d020106082a8648ce3d030107034200"
      "0467cd390f77aa359cb08c2235f652270493a9ed832b0abcc01f70954c0390d238"
      "0c782bd54e269125a44f4433aff1432ce94e12bca73aa67ac80cea12608ddf74"));
  REQUIRE(key.has_value());
  auto env = hv::parse_envelope_json(
      R"({"payload": "aGVsbG8gd29ybGQ=", "payloadType": "http://example.com/HelloWorld",
          "signatures": [{"sig": "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}]})");
  REQUIRE(env.has_value());
  // The spec signs with raw r||s; Hallmark documents carry DER, as PKCS#11 signers convert.
  auto der = hv::ecdsa_raw_to_der(as_bytes(env->signatures(0).sig()));
  REQUIRE(der.has_value());
  env->mutable_signatures(0)->set_sig(std::string(hallmark::as_chars(*der)));
  auto ok = hv::verify_envelope(*env, std::span(&*key, 1), 1, "http://example.com/HelloWorld");
  REQUIRE(ok.has_value());
  CHECK(hallmark::as_chars(ok->payload) == "hello world");
}

TEST_CASE("DSSE vectors: PAE bytes") {
  const std::string statement = R"({"_type":"https://in-toto.io/Statement/v1"})";
  CHECK(to_hex(hv::pae(kInToto, as_bytes(statement))) == kStatementPae);
  CHECK(to_hex(hv::pae(kInToto, {})) ==
        "445353457631203238206170706c69636174696f6e2f766e642e696e2d746f746f2b6a736f6e203020");
  // LEN(type) counts UTF-8 bytes (29), not characters (28).
  CHECK(hallmark::as_chars(hv::pae("application/vnd.ex\xc3\xa4mple+json", {}))
            .starts_with("DSSEv1 29 "));
}

TEST_CASE("DSSE vectors: single signature accepted") {
  auto r = verify_json(envelope(kInToto, kStatement, {{kSigA, "A"}}), {key_a()}, 1);
  REQUIRE(r.has_value());
  CHECK(r->key_ids == std::vector<std::string>{key_a().key_id()});
}

TEST_CASE("DSSE vectors: URL-safe base64 accepted") {
  auto r = verify_json(
      envelope(kInToto, "-_-_Pj8=",
               {{"P-_KHICeR7tI6S_YyejJTRtrXhcQyQ2LYPaL8h90KjC9qN8HU_svOQ6TuDOT1HIrsGW886DbWNWcCmX5twLrAw==",
                 "A"}}),
      {key_a()}, 1);
  REQUIRE(r.has_value());
  CHECK(to_hex(r->payload) == "fbffbf3e3f");
}

TEST_CASE("DSSE vectors: payload type swapped is rejected") {
  auto r = verify_json(envelope("application/vnd.example.other+json", kStatement, {{kSigA, "A"}}),
                       {key_a()}, 1, "application/vnd.example.other+json");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == hallmark::ErrorCode::kVerificationFailed);
}

TEST_CASE("DSSE vectors: non-ASCII payload type accepted") {
  const char* type = "application/vnd.ex\xc3\xa4mple+json";
  auto r = verify_json(
      envelope(type, kStatement,
               {{"xmSk/ug66ysT7ayhkCIjhAq42zgZXSsEWuzUaNL7w2eGAdF/NU6/fRXPtmfN+5DNSAs5/i2lUnHjbbjPsu0tAw==",
                 "A"}}),
      {key_a()}, 1, type);
  CHECK(r.has_value());
}

TEST_CASE("DSSE vectors: empty payload accepted") {
  auto r = verify_json(
      envelope(kInToto, "",
               {{"gSggCAaTLTYyRH6FIDBem6meyIynsYy8RTHVzwx9tnTb7Bg/1jMWnuVgI/gffqmbsC2VX5/jHfkkDqsj7CDbDg==",
                 "A"}}),
      {key_a()}, 1);
  REQUIRE(r.has_value());
  CHECK(r->payload.empty());
}

TEST_CASE("DSSE vectors: empty payload type rejected although its signature is valid") {
  auto r = verify_json(
      envelope("", kStatement,
               {{"iC3q/+3Rm0+lpAJRueDmDh15PnwCfxKmS0NAfKsbv+zgulXQC/WM9trc+j1XEqlwDIg/vf/uNfebeD6sxInrDg==",
                 "A"}}),
      {key_a()}, 1);
  CHECK_FALSE(r.has_value());
}

TEST_CASE("DSSE vectors: two distinct keys meet threshold 2, with or without key ids") {
  CHECK(verify_json(envelope(kInToto, kStatement, {{kSigA, "A"}, {kSigB, "B"}}),
                    {key_a(), key_b()}, 2)
            .has_value());
  auto r = verify_json(envelope(kInToto, kStatement, {{kSigA, nullptr}, {kSigB, nullptr}}),
                       {key_a(), key_b()}, 2);
  REQUIRE(r.has_value());
  CHECK(r->key_ids.size() == 2);
}

TEST_CASE("DSSE vectors: one key signing twice does not meet threshold 2") {
  auto r = verify_json(envelope(kInToto, kStatement, {{kSigA, "A"}, {kSigA, "A"}}),
                       {key_a(), key_b()}, 2);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("1 of 2 required signatures verified") != std::string::npos);
}

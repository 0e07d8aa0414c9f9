// A throwaway Ed25519 station key for the journal tests: signs through a callback, wrapped
// as a station-role ProductionSigner (station_signer()) for checkpoints, exports and seals,
// and gives its public key as a verifier::PublicKey or PEM text.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <functional>
#include <string>

#include <doctest/doctest.h>

#include "hsm-profiles/profile/production_signer.h"
#include "station-agent/journal/journal.h"
#include "tests/support/production_signer_access.h"
#include "verifier/core/openssl_handles.h"
#include "verifier/core/public_key.h"

namespace hallmark::testing {

struct Ed25519Key {
  ossl::PkeyPtr key{EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")};

  [[nodiscard]] verifier::PublicKey public_key() const {
    unsigned char* der = nullptr;
    const int size = i2d_PUBKEY(key.get(), &der);
    REQUIRE(size > 0);
    const Bytes bytes(reinterpret_cast<std::byte*>(der),
                      reinterpret_cast<std::byte*>(der) + size);
    OPENSSL_free(der);
    auto pk = verifier::PublicKey::from_spki_der(bytes);
    REQUIRE(pk.has_value());
    return *pk;
  }

  [[nodiscard]] std::string public_pem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    REQUIRE(bio != nullptr);
    REQUIRE(PEM_write_bio_PUBKEY(bio, key.get()) == 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    return pem;
  }

  [[nodiscard]] std::function<Result<Bytes>(ByteView)> signer() const {
    return [this](ByteView message) -> Result<Bytes> {
      ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
      std::size_t size = 64;
      Bytes sig(size);
      if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
          EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &size,
                         reinterpret_cast<const unsigned char*>(message.data()),
                         message.size()) != 1) {
        return fail(ErrorCode::kInternal, "Ed25519 signing failed");
      }
      sig.resize(size);
      return sig;
    };
  }

  // The key as export_journal() takes the station key: a production signer for the station
  // role, by the tests' unchecked path (a software key has no token provenance).
  [[nodiscard]] hsm::ProductionSigner station_signer(
      hsm::ProductionRole role = hsm::ProductionRole::kStation) const {
    return hsm::ProductionSignerTestAccess::unchecked(role, public_key(), signer());
  }
};

}  // namespace hallmark::testing

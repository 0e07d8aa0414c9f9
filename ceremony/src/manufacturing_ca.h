// The manufacturing CA at work in ceremonies: its self-signed certificate (init, or a
// rotation that regenerates the CA key) and the device-CA certificates it issues to
// enrolled stations — always signed by the CA key inside the signer HSM through
// hallmark::x509, which verifies each certificate before returning it.
// Not thread-safe (uses the HSM session).
#pragma once

#include <cstdint>
#include <string>

#include "ceremony/src/signer_hsm.h"
#include "ceremony/src/transcript_recorder.h"
#include "hsm-profiles/src/token_key.h"
#include "verifier/core/bytes.h"
#include "verifier/core/public_key.h"

namespace hallmark::ceremony {

Result<Bytes> self_sign_manufacturing_ca(SignerHsm& hsm, const hsm::TokenKey& ca_key,
                                         const std::string& organisation, int64_t not_before,
                                         int64_t not_after, TranscriptRecorder& transcript);

Result<Bytes> issue_device_ca(SignerHsm& hsm, const hsm::TokenKey& ca_key,
                              const std::string& station_id, const std::string& organisation,
                              const verifier::PublicKey& device_ca_key, int64_t not_before,
                              int64_t not_after, TranscriptRecorder& transcript);

// The organisation (O=) in the subject of a DER certificate, so device-CA certificates
// carry the issuer name of the manufacturing CA exactly.
Result<std::string> certificate_organisation(ByteView certificate_der);

}  // namespace hallmark::ceremony

// The station side of the countersign benchmark (countersign_bench.cpp): one station
// ("bench-station") enrolled under the test trust root, the release every unit names, and
// its journal written as station-signed export files, as the station writes them.
//
// The keys are the trust test fixture's in-process keys (testkit/trust_fixture.h), made
// afresh in each process: an export is countersigned by the process that made it. The
// station's signatures are OpenSSL ones, so what is measured is the signer, not the station.
// Every attestation matches the release's claims (images written, read back, measured;
// the same device tool each time), so countersign compares every event and finds nothing.
// Not thread-safe (the fixture's keys are made on first use).
#pragma once

#include <cstdint>
#include <string>

#include "hallmark/dsse.pb.h"
#include "hallmark/station.pb.h"
#include "signer/store/evidence_store.h"
#include "verifier/core/public_key.h"

namespace hallmark::bench {

inline constexpr const char* kStation = "bench-station";

// The bench's reference time: every document is valid then, every unit made before it.
[[nodiscard]] std::int64_t bench_now();

// The default test root (custodians alice and bob), with `evidence` as its EVIDENCE key
// (countersign signs only with the trust root's evidence key), signed.
[[nodiscard]] v1::Envelope root_envelope(const verifier::PublicKey& evidence);
// Raw SHA-256 of the root's payload: the digest an auditor pins.
[[nodiscard]] std::string root_digest(const v1::Envelope& root);

// The station's registration, signed by the root quorum.
[[nodiscard]] v1::Envelope registration_envelope();

// The release every unit names, with the claims its attestations match.
[[nodiscard]] evidence::ReleaseRow bench_release();
// The 32 bytes of image `k`'s digest in every unit (`seed` 1) and of the bundle (0, 0).
[[nodiscard]] std::string digest_bytes(std::uint64_t seed, int k);

// Attestation `i` as the station signs it (device certificate included), DSSE JSON.
class AttestationMaker {
 public:
  AttestationMaker();
  [[nodiscard]] std::string envelope(std::uint64_t i) const;
  // The station key that signs every attestation.
  [[nodiscard]] static const verifier::PublicKey& station_key();

 private:
  v1::StationEnrollment enrolled_;
  Bytes certificate_;
};

// The station's journal from record `first` on, `units` records continuing the chain from
// `previous` (updated to the last record's hash), as an export file at `path` with a signed
// checkpoint. False when the file could not be written.
[[nodiscard]] bool write_export(std::uint64_t first, std::uint64_t units, std::string& previous,
                                const std::string& path);
// Records 1..units of a fresh journal.
[[nodiscard]] bool write_export(std::uint64_t units, const std::string& path);

}  // namespace hallmark::bench

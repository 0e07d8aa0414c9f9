// StationLine: one station's programming line, open — its state directory, pinned trust
// root and registration, policy, journal and the history replayed from it, and the key
// handles it signs with. Every station event goes through record(): the common fields
// (station id, software and config hashes, keys used, operator session, time, clock state,
// monotonic counter = the journal sequence it will take) are filled in one place, the
// event is signed by the station key, appended to the journal and fsync'd, and only then
// applied to the in-memory history.
//
// open() records a JOURNAL_REPAIRED event first when the journal ends in a torn write (the
// journal cuts the tail with that append, never without it).
// open() refuses a token whose station or device-CA key is not the one registered for this
// station, so a unit is never attested by keys the trust root does not know. It loads the
// line's trust with load_station_trust(): the pinned chain, every revocation stored in the
// state directory and every revocation the journal holds (so deleting a stored file does
// not lift a revocation), and journals each stored revocation the journal does not hold
// yet as a REVOCATION_INSTALLED event (signed_statement: its DSSE JSON), so every
// revocation in force is in the evidence. A revoked station still opens (status, export,
// scrap go on); refuse_revoked() is what stops units. It also
// prepares the device-CA once for the line's life (DeviceCertificateAuthority: the
// registration's device-CA certificate parsed and checked once, not per unit); a
// device-CA certificate that cannot issue does not stop open() — commands that never issue
// certificates still work — and is reported by device_ca() to every unit that needs it. Holds key
// handles and signing callbacks only, never key material. Not thread-safe: one line per
// station state directory (the journal's lock enforces one process).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hallmark/station.pb.h"
#include "hsm-profiles/profile/production_signer.h"
#include "hsm-profiles/x509/certificate_issuer.h"
#include "station-agent/journal/journal.h"
#include "station-agent/journal/journal_seal.h"
#include "station-agent/station/seal_acknowledgement.h"
#include "station-agent/station/clock_state.h"
#include "station-agent/station/device_certificate.h"
#include "station-agent/station/station_history.h"
#include "verifier/core/dsse.h"
#include "verifier/core/error.h"
#include "verifier/core/public_key.h"
#include "verifier/core/sha256.h"
#include "verifier/trust/station_registration.h"
#include "verifier/trust/trust.h"

namespace hallmark::station {

using verifier::PaeSigner;  // signs DSSE PAE bytes with a key that stays in its token

// The station's two keys as the line signs with them. Made only by from_signers(), from
// ProductionSigners opened for the station and device-CA roles, so no front end can hand
// the line a key whose provenance was never checked (hsm-profiles/profile/production_signer.h).
// `sign_certificate` need not verify its signatures (the device-CA signer may be opened with
// hsm::SignatureCheck::kByCaller): the certificate issuer verifies every certificate
// signature under `device_ca_key`. `sign_event` returns only verified signatures.
class StationKeys {
 public:
  // kPolicyRefused naming the key when `station` was not opened as the station key or
  // `device_ca` as the device-CA key.
  [[nodiscard]] static Result<StationKeys> from_signers(const hsm::ProductionSigner& station,
                                                        const hsm::ProductionSigner& device_ca);

  // The station key itself, for what else it signs with its role checked again by the
  // library that signs (export_journal, journal_export.h).
  hsm::ProductionSigner station_signer;
  verifier::PublicKey station_key;
  std::string station_key_uri;  // pkcs11: URI, recorded in attestations
  PaeSigner sign_event;
  verifier::PublicKey device_ca_key;
  std::string device_ca_key_uri;
  x509::SignFunction sign_certificate;

 private:
  StationKeys(const hsm::ProductionSigner& station, const hsm::ProductionSigner& device_ca);
};

struct LineOptions {
  std::filesystem::path dir;
  StationKeys keys;
  verifier::Digest software_sha256;  // of the running station binary
  std::function<std::int64_t()> now;                 // default: the system clock
  std::function<Result<ClockState>()> read_clock;    // default: read_clock_state()
};

// DIR/journal.
[[nodiscard]] std::filesystem::path journal_file(const std::filesystem::path& dir);

// The station binary's SHA-256 (/proc/self/exe).
[[nodiscard]] Result<verifier::Digest> running_software_sha256();

class StationLine {
 public:
  // Reloads the trust (stored and journaled revocations) and journals every stored
  // revocation the journal does not hold yet.
  [[nodiscard]] Result<std::vector<std::uint64_t>> journal_revocations();

  // Opens the line; its history comes from the state snapshot (station_snapshot.h) when
  // it verifies and matches the journal, else from the whole journal, and a new snapshot is
  // written once kSnapshotAfterRecords or more records had to be replayed.
  [[nodiscard]] static Result<StationLine> open(LineOptions options);

  // Writes a state snapshot of the history at the journal's head (signed by the station key).
  [[nodiscard]] Result<void> save_snapshot();

  // Seals the journal's records up to the one the signer acknowledged (`ack`, verified with
  // verify_seal_acknowledgement() under root(); also capped at what was exported) into the
  // segment file `out`, then writes a snapshot of the history at the head for the sealed
  // journal and replaces the journal (journal_seal.h, line_seal.cpp). From then on the
  // station's history before the sealed record comes only from its snapshot. The line is
  // closed afterwards: every later record() is refused; open it again.
  [[nodiscard]] Result<SealResult> seal_journal(const SealAcknowledgement& ack,
                                                const std::filesystem::path& out);
  // How open() got the history: from which snapshot and how many records it replayed, or
  // why a snapshot was ignored.
  [[nodiscard]] const std::string& snapshot_note() const noexcept { return snapshot_note_; }

  [[nodiscard]] const StationId& station_id() const noexcept { return station_id_; }
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return options_.dir; }
  [[nodiscard]] const StationHistory& history() const noexcept { return history_; }
  [[nodiscard]] const Journal& journal() const noexcept { return journal_; }
  [[nodiscard]] const v1::StationPolicy& policy() const noexcept { return policy_; }
  [[nodiscard]] const StationKeys& keys() const noexcept { return options_.keys; }
  [[nodiscard]] const verifier::VerifiedStation& registration() const noexcept {
    return *registration_;
  }
  // The trust root person rosters are verified under: with the revocations in force once
  // they are loaded, the pinned chain alone while the journal is being opened.
  [[nodiscard]] const verifier::TrustedRoot& root() const noexcept {
    return trust_ ? trust_->root() : chain_->root();
  }
  [[nodiscard]] const verifier::Digest& config_sha256() const noexcept { return config_sha256_; }
  // The trust this line decides with (revocations applied), loaded at open().
  [[nodiscard]] const verifier::Trust& trust() const noexcept { return *trust_; }
  // kPolicyRefused naming what is revoked and by which revocation: this station, its
  // station key, its device-CA key, or the bundle `bundle_digest` (when given). Call
  // before a device is touched for a unit.
  [[nodiscard]] Result<void> refuse_revoked(
      const std::optional<verifier::Digest>& bundle_digest) const;
  // Stores `revocation` (store_revocations) and journals it; the journal record, or
  // std::nullopt when it was already in force here.
  [[nodiscard]] Result<std::optional<std::uint64_t>> install_revocation(
      const verifier::TrustDocument& revocation);
  // The device-CA prepared at open(), or why this station cannot issue device certificates.
  [[nodiscard]] Result<const DeviceCertificateAuthority*> device_ca() const;
  [[nodiscard]] std::int64_t now() const { return options_.now(); }
  [[nodiscard]] const std::optional<TornTail>& recovered_tail() const noexcept {
    return journal_.recovered_tail();
  }
  // The JOURNAL_REPAIRED record open() wrote when it cut recovered_tail().
  [[nodiscard]] std::optional<std::uint64_t> repair_sequence() const noexcept {
    return repair_sequence_;
  }

  // Fills the common fields into `event` (so the caller holds what was signed), signs,
  // appends (fsync) and applies; the sequence number.
  [[nodiscard]] Result<std::uint64_t> record(v1::Attestation& event);
  // As record(), without a clock reading (kept for events that must be written whatever
  // the clock says: a line stop, a failed unit).
  [[nodiscard]] Result<std::uint64_t> record(v1::Attestation& event, const ClockState& clock);

  // kPolicyRefused unless an enrolled person has an unexpired session.
  [[nodiscard]] Result<ActiveSession> require_session() const;
  // When `session` expires under the policy (session_max_seconds, 12 hours by default).
  [[nodiscard]] std::int64_t session_expires_unix(const ActiveSession& session) const;
  // The clock state as the station reads it (adjtimex), whatever the policy says.
  [[nodiscard]] Result<ClockState> read_clock() const { return options_.read_clock(); }
  // kPolicyRefused while the line is stopped, naming the record and the cause.
  [[nodiscard]] Result<void> require_running() const;
  // The clock state, refused (kPolicyRefused) when the policy requires a synchronised clock
  // and it is not.
  [[nodiscard]] Result<ClockState> clock_for_unit() const;

 private:
  StationLine(LineOptions options, Journal journal) noexcept
      : options_(std::move(options)), journal_(std::move(journal)) {}
  [[nodiscard]] Result<void> record_repair(const TornTail& torn);
  // save_snapshot() naming `head_offset` as the head record's frame offset.
  [[nodiscard]] Result<void> save_snapshot_at(std::uint64_t head_offset);

  LineOptions options_;
  Journal journal_;
  StationHistory history_;
  v1::StationPolicy policy_;
  std::optional<verifier::Trust> chain_;  // the pinned chain, no revocations (open())
  std::optional<verifier::VerifiedStation> registration_;
  std::optional<verifier::Trust> trust_;
  StationId station_id_;
  verifier::Digest config_sha256_;
  std::optional<DeviceCertificateAuthority> device_ca_;
  std::optional<Error> device_ca_error_;  // set when device_ca_ is not
  std::optional<std::uint64_t> repair_sequence_;
  std::string snapshot_note_;
};

}  // namespace hallmark::station

// Test-only builders for the evidence-log tests: a trust root with an EVIDENCE key, a
// registered station, signed attestations, a growing log with its complete-node store, and
// the documents the signer hands out (checkpoints, manifest files, segments). In-process
// OpenSSL keys from tests/trust; never used outside tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "hallmark/evidence.pb.h"
#include "hallmark/station.pb.h"
#include "testkit/trust_fixture.h"
#include "verifier/log/merkle.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::log_testing {

using trust_testing::Key;
using trust_testing::kNow;
using trust_testing::Signers;

const Key& evidence_key();  // the signer HSM's evidence key (P-256)
const Key& other_station_key();

// default_spec() plus an EVIDENCE role holding evidence_key(), signed by alice and bob.
v1::Envelope evidence_trust_root();
verifier::TrustedRoot trusted_root();

// DSSE JSON of station "st-1"'s registration (station_key(), device_ca()), root quorum.
std::string station_registration_json();

// A ProvisioningManifest for `serial` whose attestation is signed by `station` and agrees
// with it field for field.
v1::ProvisioningManifest manifest(const std::string& serial, const Key& station);
v1::Envelope attestation_envelope(const v1::Attestation& attestation, const Key& station);
v1::Attestation attestation_of(const v1::ProvisioningManifest& manifest);

// DSSE JSON of a LogCheckpoint.
std::string checkpoint_json(std::uint64_t tree_size, const verifier::Digest& root,
                            const Signers& signers = {&evidence_key()});

// An append-only log as the signer keeps it: entries and every complete node.
class TestLog {
 public:
  void append(std::string entry);
  void append_manifests(std::size_t count, const std::string& serial_prefix);
  [[nodiscard]] std::uint64_t size() const { return entries_.size(); }
  [[nodiscard]] const std::vector<std::string>& entries() const { return entries_; }
  [[nodiscard]] verifier::merkle::NodeSource nodes() const;
  [[nodiscard]] verifier::Digest root(std::uint64_t size) const;
  [[nodiscard]] std::string checkpoint(std::uint64_t size) const;

  // The manifest file of entry `index` against the checkpoint at `size`.
  [[nodiscard]] v1::ManifestFile manifest_file(std::uint64_t index, std::uint64_t size) const;
  // The segment of entries [first, end).
  [[nodiscard]] v1::LogSegment segment(std::uint64_t first, std::uint64_t end) const;

 private:
  std::vector<std::string> entries_;
  std::map<std::pair<unsigned, std::uint64_t>, verifier::Digest> nodes_;
  verifier::merkle::Frontier frontier_;
};

}  // namespace hallmark::log_testing

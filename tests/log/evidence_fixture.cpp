#include "tests/support/trusted_root_access.h"
#include "verifier/log/log_checkpoint.h"
#include "tests/log/evidence_fixture.h"

#include <doctest/doctest.h>

#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

namespace hallmark::log_testing {

namespace tt = trust_testing;
namespace ht = verifier::testing;
using verifier::Digest;

const Key& evidence_key() { return ht::key(ht::Alg::kP256, 30); }
const Key& other_station_key() { return ht::key(ht::Alg::kP256, 31); }

v1::Envelope evidence_trust_root() {
  v1::TrustRoot root = tt::make_root(tt::default_spec());
  *root.add_keys() = evidence_key().pub.to_proto();
  auto* role = root.add_roles();
  role->set_role(v1::EVIDENCE);
  role->set_threshold(1);
  role->add_key_ids(evidence_key().pub.key_id());
  return tt::sign("trust-root", root, {&tt::alice(), &tt::bob()});
}

verifier::TrustedRoot trusted_root() {
  auto root = verifier::TrustedRootTestAccess::from_anchor(evidence_trust_root());
  REQUIRE_MESSAGE(root.has_value(), root.error().message);
  return *root;
}

std::string station_registration_json() {
  const auto enrollment = tt::enrollment("st-1", tt::station_key(), tt::device_ca());
  const auto registration =
      tt::registration(enrollment, tt::make_certificate(tt::device_ca(), tt::mfg_ca()));
  return verifier::envelope_to_json(
      tt::sign("station-registration", registration, {&tt::alice(), &tt::carol()}));
}

v1::Attestation attestation_of(const v1::ProvisioningManifest& m) {
  v1::Attestation a;
  a.set_station_id(m.station_id());
  a.set_serial(m.serial());
  a.set_hardware_id(m.hardware_id());
  a.set_bundle_digest(m.bundle_digest());
  a.set_event(m.event());
  a.set_result(m.result());
  a.set_time_unix(m.event_unix());
  a.set_clock_synced(true);
  a.set_monotonic_counter(m.station_sequence());
  return a;
}

v1::Envelope attestation_envelope(const v1::Attestation& attestation, const Key& station) {
  return tt::sign("attestation", attestation, {&station});
}

v1::ProvisioningManifest manifest(const std::string& serial, const Key& station) {
  v1::ProvisioningManifest m;
  m.set_serial(serial);
  m.set_hardware_id("hw-" + serial);
  m.set_station_id("st-1");
  m.set_bundle_digest(std::string(32, '\x42'));
  m.set_event(v1::Attestation::PROGRAM);
  m.set_result(v1::Attestation::PASS);
  m.set_event_unix(kNow - 600);
  m.set_countersigned_unix(kNow - 60);
  m.set_station_sequence(7);
  m.set_journal_record_sha256(std::string(32, '\x07'));
  *m.mutable_attestation_envelope() = attestation_envelope(attestation_of(m), station);
  return m;
}

std::string checkpoint_json(std::uint64_t tree_size, const Digest& root, const Signers& signers) {
  v1::LogCheckpoint c;
  c.set_origin(std::string(verifier::kLogOrigin));
  c.set_tree_size(tree_size);
  c.set_root_hash(std::string(as_chars(root.bytes())));
  c.set_time_unix(kNow);
  return verifier::envelope_to_json(tt::sign("log-checkpoint", c, signers));
}

void TestLog::append(std::string entry) {
  frontier_.append(verifier::merkle::leaf_hash(as_bytes(entry)),
                   [this](unsigned level, std::uint64_t index, const Digest& hash) {
                     nodes_[{level, index}] = hash;
                   });
  entries_.push_back(std::move(entry));
}

void TestLog::append_manifests(std::size_t count, const std::string& serial_prefix) {
  for (std::size_t i = 0; i < count; ++i) {
    const auto bytes =
        verifier::deterministic_bytes(manifest(serial_prefix + std::to_string(i), tt::station_key()));
    append(std::string(as_chars(bytes)));
  }
}

verifier::merkle::NodeSource TestLog::nodes() const {
  return [this](unsigned level, std::uint64_t index) -> Result<Digest> {
    auto it = nodes_.find({level, index});
    if (it == nodes_.end()) return fail(ErrorCode::kInternal, "no such complete node");
    return it->second;
  };
}

Digest TestLog::root(std::uint64_t size) const {
  auto r = verifier::merkle::root(size, nodes());
  REQUIRE(r.has_value());
  return *r;
}

std::string TestLog::checkpoint(std::uint64_t size) const { return checkpoint_json(size, root(size)); }

v1::ManifestFile TestLog::manifest_file(std::uint64_t index, std::uint64_t size) const {
  v1::ManifestFile f;
  f.set_manifest(entries_.at(index));
  auto proof = verifier::merkle::inclusion_proof(index, size, nodes());
  REQUIRE(proof.has_value());
  f.mutable_inclusion()->set_leaf_index(index);
  f.mutable_inclusion()->set_tree_size(size);
  for (const Digest& d : *proof) f.mutable_inclusion()->add_hashes(std::string(as_chars(d.bytes())));
  f.set_checkpoint_envelope(checkpoint(size));
  f.set_station_registration(station_registration_json());
  return f;
}

v1::LogSegment TestLog::segment(std::uint64_t first, std::uint64_t end) const {
  v1::LogSegment s;
  s.set_day("2025-06-15");
  s.set_first_index(first);
  for (std::uint64_t i = first; i < end; ++i) s.add_entries(entries_.at(i));
  auto left = verifier::merkle::Frontier::load(first, nodes());
  REQUIRE(left.has_value());
  for (const Digest& d : left->hashes()) s.add_left_hashes(std::string(as_chars(d.bytes())));
  if (first > 0) s.set_previous_checkpoint_envelope(checkpoint(first));
  s.set_checkpoint_envelope(checkpoint(end));
  auto proof = verifier::merkle::consistency_proof(first, end, nodes());
  REQUIRE(proof.has_value());
  s.mutable_consistency()->set_old_size(first);
  s.mutable_consistency()->set_new_size(end);
  for (const Digest& d : *proof) s.mutable_consistency()->add_hashes(std::string(as_chars(d.bytes())));
  return s;
}

}  // namespace hallmark::log_testing

#include "bench/countersign/station_exports.h"

#include <fstream>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/wire_format_lite.h>

#include "hallmark/release.pb.h"
#include "hallmark/station.pb.h"
#include "hallmark/trust.pb.h"
#include "testkit/trust_fixture.h"
#include "verifier/bundle/unit_claims.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

namespace hallmark::bench {
namespace {

namespace tt = hallmark::trust_testing;
namespace ht = hallmark::verifier::testing;
using WireFormat = google::protobuf::internal::WireFormatLite;

constexpr std::uint64_t kImageSize = 4096;
std::uint64_t image_address(int k) { return 0x10000u * static_cast<std::uint64_t>(k + 1); }

void put_bytes(google::protobuf::io::CodedOutputStream& out, int field, const std::string& v) {
  out.WriteTag(WireFormat::MakeTag(field, WireFormat::WIRETYPE_LENGTH_DELIMITED));
  out.WriteVarint32(static_cast<std::uint32_t>(v.size()));
  out.WriteString(v);
}

}  // namespace

std::int64_t bench_now() { return tt::kNow; }

v1::Envelope root_envelope(const verifier::PublicKey& evidence) {
  v1::TrustRoot made = tt::make_root(tt::default_spec());
  *made.add_keys() = evidence.to_proto();
  auto* role = made.add_roles();
  role->set_role(v1::EVIDENCE);
  role->set_threshold(1);
  role->add_key_ids(evidence.key_id());
  return tt::sign("trust-root", made, {&tt::alice(), &tt::bob()});
}

std::string root_digest(const v1::Envelope& root) { return tt::payload_digest(root); }

v1::Envelope registration_envelope() {
  const auto enrollment = tt::enrollment(kStation, tt::station_key(), tt::device_ca());
  auto cn_spec = tt::CertSpec{};
  cn_spec.cn = std::string("Hallmark device CA ") + kStation;
  const Bytes cert = tt::make_certificate(tt::device_ca(), tt::mfg_ca(), cn_spec);
  return tt::sign("station-registration", tt::registration(enrollment, cert),
                  {&tt::alice(), &tt::bob()});
}

std::string digest_bytes(std::uint64_t seed, int k) {
  std::string s(32, '\0');
  for (std::size_t i = 0; i < s.size(); ++i) {
    s[i] = static_cast<char>((seed * 131 + static_cast<std::uint64_t>(k) * 17 + i * 7) & 0xff);
  }
  return s;
}

evidence::ReleaseRow bench_release() {
  v1::Bundle bundle;
  bundle.set_sku("bench-sku");
  bundle.set_version("1.0.0");
  bundle.set_device_family("esp32-c6");
  bundle.set_flash_size(4u << 20);
  for (int k = 0; k < 3; ++k) {
    auto* image = bundle.add_images();
    image->set_name(fmt::format("image-{}", k));
    image->set_flash_address(image_address(k));
    image->set_size(kImageSize);
    image->set_sha256(digest_bytes(1, k));
    auto* step = bundle.add_plan();
    step->set_kind(v1::ProvisioningStep::WRITE_IMAGE);
    step->set_image(image->name());
  }
  auto digest = verifier::Digest::from_bytes(as_bytes(digest_bytes(0, 0)));
  evidence::ReleaseRow release{*digest, "bench-sku", "1.0.0", tt::kNow - 200000, 0, 0, {}, {}};
  release.bundle = to_bytes(bundle.SerializeAsString());
  release.promoted = to_bytes(v1::PromotedRelease().SerializeAsString());
  return release;
}

AttestationMaker::AttestationMaker()
    : enrolled_(tt::enrollment(kStation, tt::station_key(), tt::device_ca())),
      certificate_(tt::make_certificate(tt::mfg_ca(), tt::device_ca())) {}

const verifier::PublicKey& AttestationMaker::station_key() { return tt::station_key().pub; }

std::string AttestationMaker::envelope(std::uint64_t i) const {
  v1::Attestation a;
  a.set_station_id(kStation);
  a.set_serial(fmt::format("SN-{:08}", i));
  a.set_hardware_id(fmt::format("HW-{:016x}", i * 2654435761u));
  a.set_bundle_digest(digest_bytes(0, 0));
  for (int k = 0; k < 3; ++k) {
    auto* d = a.add_image_digests();
    d->set_region(fmt::format("image-{}", k));
    d->set_sha256(digest_bytes(1, k));
    auto* m = a.add_measured();
    m->set_region(bundle::flash_region(image_address(k), kImageSize));
    m->set_sha256(digest_bytes(1, k));
  }
  auto* tool = a.mutable_device_tool();  // the same tool every unit: no drift finding
  tool->set_driver("cmd");
  tool->set_config_sha256(digest_bytes(2, 0));
  auto* program = tool->add_programs();
  program->set_path("/usr/bin/esptool");
  program->set_sha256(digest_bytes(2, 1));
  a.add_key_uris("pkcs11:token=station;object=station");
  a.add_key_uris("pkcs11:token=station;object=device-ca");
  a.set_software_sha256(enrolled_.software_sha256());
  a.set_config_sha256(enrolled_.config_sha256());
  a.set_operator_session(std::string(64, 'a'));
  // A unit every 10 ms in station time, never backwards: 10 M units fit in the day before kNow.
  a.set_time_unix(tt::kNow - 100000 + static_cast<std::int64_t>(i / 100));
  a.set_clock_synced(true);
  a.set_monotonic_counter(i);
  a.set_result(v1::Attestation::PASS);
  a.set_event(v1::Attestation::PROGRAM);
  a.set_device_certificate_der(std::string(as_chars(certificate_)));
  a.set_operator_name("olga");
  a.mutable_device()->set_family("ESP32-C6");  // what the device said: the bundle's SKU
  a.mutable_device()->set_flash_size(4u << 20);
  const std::string payload = a.SerializeAsString();
  auto envelope = verifier::sign_envelope(
      verifier::payload_type_of("attestation"), as_bytes(payload),
      tt::station_key().pub.key_id(),
      [](ByteView pae) -> Result<Bytes> { return ht::sign(tt::station_key(), pae); });
  return verifier::envelope_to_json(*envelope);
}

bool write_export(std::uint64_t first, std::uint64_t units, std::string& previous,
                  const std::string& path) {
  const AttestationMaker maker;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  google::protobuf::io::OstreamOutputStream stream(&file);
  {
    google::protobuf::io::CodedOutputStream out(&stream);
    put_bytes(out, 1, kStation);
    out.WriteTag(WireFormat::MakeTag(2, WireFormat::WIRETYPE_VARINT));
    out.WriteVarint64(first);
    out.WriteTag(WireFormat::MakeTag(3, WireFormat::WIRETYPE_VARINT));
    out.WriteVarint64(first + units - 1);
    for (std::uint64_t i = first; i < first + units; ++i) {
      v1::JournalRecord record;
      record.set_sequence(i);
      record.set_previous_hash(previous);
      record.set_attestation_envelope(maker.envelope(i));
      const std::string bytes = record.SerializeAsString();
      put_bytes(out, 4, bytes);
      previous = std::string(as_chars(verifier::sha256(as_bytes(bytes))->bytes()));
    }
    v1::JournalCheckpoint checkpoint;
    checkpoint.set_station_id(kStation);
    checkpoint.set_sequence(first + units - 1);
    checkpoint.set_head_hash(previous);
    checkpoint.set_time_unix(tt::kNow);
    put_bytes(out, 5, verifier::envelope_to_json(tt::sign("journal-checkpoint", checkpoint,
                                                          {&tt::station_key()})));
  }
  return file.good();
}

bool write_export(std::uint64_t units, const std::string& path) {
  std::string previous(32, '\0');
  return write_export(1, units, previous, path);
}

}  // namespace hallmark::bench

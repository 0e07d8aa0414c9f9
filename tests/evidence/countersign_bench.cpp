// Why this file is long: one benchmark program; its five modes share the signer and the export generator.
// Countersign throughput: a benchmark, not a test (bench/countersign_bench.sh runs it).
//
//   countersign_bench baseline --units N --threads T   OpenSSL ECDSA verify rate, T threads
//   countersign_bench run --units N --threads T        a station export of N attestations
//                                                      (made first, not timed), then
//                                                      countersign end to end, fresh store
//   countersign_bench scale --units N --batch B        a store grown to N units through
//                                                      the real path, B per export: first
//                                                      and last batch rates, a serial's
//                                                      history, inclusion proofs
//   countersign_bench segment --units N --out DIR      a store grown to N units as for
//                                                      scale, then its day written as a
//                                                      retention segment into DIR, with
//                                                      a trust root naming the evidence
//                                                      key (DIR/trust-root.json), for
//                                                      `hallmark-verify log` to check
//   (run and scale: --store postgres:CONNINFO, an empty database, instead of SQLite)
//
// The test keys are made afresh in each process, so the export is made by the process that
// countersigns it.
// The station side is made in-process (the station key is an OpenSSL key from the trust
// test fixture: this measures the signer, not the station); the evidence key is a P-256
// key on a throwaway SoftHSM token, so the one signature per batch is a real PKCS#11 one.
// `run` prints units/s, peak RSS and the number of evidence-key signatures; the script
// compares runs of different sizes for flat memory.
#include "tests/support/trusted_root_access.h"
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/wire_format_lite.h>

#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/token_signer.h"
#include "signer/evidence/countersign.h"
#include "signer/evidence/retention.h"
#include "verifier/core/time_format.h"
#include "verifier/log/merkle.h"
#include "verifier/bundle/unit_claims.h"
#include "tests/support/production_signer_access.h"
#include "tests/support/softhsm_fixture.h"
#include "tests/trust/trust_fixture.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/trust/station_registration.h"

namespace {

using namespace hallmark;
namespace tt = hallmark::trust_testing;
namespace ht = hallmark::verifier::testing;
using WireFormat = google::protobuf::internal::WireFormatLite;
constexpr const char* kStation = "bench-station";

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds (user + system) of every thread of this process so far: with the wall time it
// tells how much of a run was work and how much was waiting, on a machine others share.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(usage.ru_utime) + s(usage.ru_stime);
}

// The default test root (custodians alice and bob), with `evidence` as its EVIDENCE key
// (countersign signs only with the trust root's evidence key), signed.
v1::Envelope root_envelope(const verifier::PublicKey& evidence) {
  v1::TrustRoot made = tt::make_root(tt::default_spec());
  *made.add_keys() = evidence.to_proto();
  auto* role = made.add_roles();
  role->set_role(v1::EVIDENCE);
  role->set_threshold(1);
  role->add_key_ids(evidence.key_id());
  return tt::sign("trust-root", made, {&tt::alice(), &tt::bob()});
}

verifier::TrustedRoot root(const verifier::PublicKey& evidence) {
  auto chain = std::vector<v1::Envelope>{root_envelope(evidence)};
  auto r = verifier::TrustedRootTestAccess::chain(chain, tt::kNow);
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(*r);
}

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

constexpr std::uint64_t kImageSize = 4096;
std::uint64_t image_address(int k) { return 0x10000u * static_cast<std::uint64_t>(k + 1); }

// The release every unit names, with the claims its attestations match (images written,
// read back and measured), so countersign compares every event and finds nothing.
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

// An attestation as the station makes it (device certificate included).
std::string attestation_envelope(std::uint64_t i, const v1::StationEnrollment& enrolled,
                                 const Bytes& certificate) {
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
  a.set_software_sha256(enrolled.software_sha256());
  a.set_config_sha256(enrolled.config_sha256());
  a.set_operator_session(std::string(64, 'a'));
  // A unit every 10 ms in station time, never backwards: 10 M units fit in the day before kNow.
  a.set_time_unix(tt::kNow - 100000 + static_cast<std::int64_t>(i / 100));
  a.set_clock_synced(true);
  a.set_monotonic_counter(i);
  a.set_result(v1::Attestation::PASS);
  a.set_event(v1::Attestation::PROGRAM);
  a.set_device_certificate_der(std::string(as_chars(certificate)));
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

void put_bytes(google::protobuf::io::CodedOutputStream& out, int field, const std::string& v) {
  out.WriteTag(WireFormat::MakeTag(field, WireFormat::WIRETYPE_LENGTH_DELIMITED));
  out.WriteVarint32(static_cast<std::uint32_t>(v.size()));
  out.WriteString(v);
}

// The station's journal from record `first` on, `units` records continuing the chain from
// `previous` (updated to the last record's hash), as an export file with a signed checkpoint.
int generate(std::uint64_t first, std::uint64_t units, std::string& previous, const std::string& path) {
  const auto enrolled = tt::enrollment(kStation, tt::station_key(), tt::device_ca());
  const Bytes cert = tt::make_certificate(tt::mfg_ca(), tt::device_ca());
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
      record.set_attestation_envelope(attestation_envelope(i, enrolled, cert));
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
  return file.good() ? 0 : 1;
}

int generate(std::uint64_t units, const std::string& path) {
  std::string previous(32, '\0');
  return generate(1, units, previous, path);
}

int baseline(std::uint64_t units, unsigned threads) {
  const auto enrolled = tt::enrollment(kStation, tt::station_key(), tt::device_ca());
  const Bytes cert = tt::make_certificate(tt::mfg_ca(), tt::device_ca());
  struct Signed {
    Bytes pae;
    Bytes sig;
  };
  std::vector<Signed> sample;
  for (std::uint64_t i = 0; i < units; ++i) {
    auto envelope = verifier::parse_envelope_json(attestation_envelope(i, enrolled, cert));
    sample.push_back({verifier::pae(envelope->payload_type(), as_bytes(envelope->payload())),
                      to_bytes(envelope->signatures(0).sig())});
  }
  const auto& key = tt::station_key().pub;
  const double cpu_start = cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (std::size_t i = t; i < sample.size(); i += threads) {
        if (!key.verify(sample[i].pae, sample[i].sig)) std::abort();
      }
    });
  }
  for (auto& w : workers) w.join();
  const double s = seconds_since(start);
  std::printf("baseline_verifies_per_second %.0f\n", static_cast<double>(units) / s);
  std::printf("cpu_us_per_verify %.1f\n", (cpu_seconds() - cpu_start) * 1e6 / static_cast<double>(units));
  return 0;
}

// Where one attestation's verification goes, one thread: JSON, signature, payload parse.
int parts(std::uint64_t units) {
  const auto enrolled = tt::enrollment(kStation, tt::station_key(), tt::device_ca());
  const Bytes cert = tt::make_certificate(tt::mfg_ca(), tt::device_ca());
  std::vector<std::string> json;
  for (std::uint64_t i = 0; i < units; ++i) json.push_back(attestation_envelope(i, enrolled, cert));
  auto start = std::chrono::steady_clock::now();
  std::vector<v1::Envelope> envelopes;
  for (const auto& j : json) envelopes.push_back(*verifier::parse_envelope_json(j));
  const double parse = seconds_since(start);
  const auto& key = tt::station_key().pub;
  start = std::chrono::steady_clock::now();
  std::vector<verifier::VerifiedPayload> verified;
  for (const auto& e : envelopes) {
    verified.push_back(*verifier::verify_envelope(e, {&key, 1}, 1, verifier::payload_type_of("attestation")));
  }
  const double verify = seconds_since(start);
  start = std::chrono::steady_clock::now();
  for (const auto& v : verified) (void)*verifier::parse_verified<v1::Attestation>(v);
  const double payload = seconds_since(start);
  const double n = static_cast<double>(units) / 1e6;
  std::printf("parts_us json %.1f verify %.1f payload %.1f (envelope %zu bytes)\n", parse / n,
              verify / n, payload / n, json.front().size());
  return 0;
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// A fresh P-256 evidence key on the bench token, with its signer.
std::optional<hsm::TokenSigner> evidence_signer(hsm::Session& session) {
  auto key = hsm::generate_key(session, hsm::KeySpec{v1::ECDSA_P256_SHA256, "evidence", {}, false});
  if (!key) throw std::runtime_error(key.error().message);
  auto signer = hsm::TokenSigner::create(session, std::move(*key));
  if (!signer) throw std::runtime_error(signer.error().message);
  return std::move(*signer);
}

// The signer's side of a bench: a throwaway SoftHSM token with the evidence key (one
// PKCS#11 signature per batch), the trust root, the station's verified registration, the
// release every unit names, and a store (a fresh SQLite file unless `location` names one).
class BenchSigner {
 public:
  BenchSigner(unsigned threads, const std::string& location)
      : hsm_({"bench-signer"}), session_(hsm_.open("bench-signer")),
        signer_(evidence_signer(session_)), trusted_(root(signer_->public_key())) {
    const auto registration = registration_envelope();
    auto station = verifier::verify_station_registration(registration, trusted_, tt::kNow);
    if (!station) throw std::runtime_error(station.error().message);
    db_ = hsm_.dir() / "evidence.db";
    auto store = evidence::open_store(location.empty() ? "sqlite:" + db_.string() : location);
    if (!store) throw std::runtime_error(store.error().message);
    store_ = std::move(*store);
    if (!store_->begin() || !store_->put_release(bench_release()) || !store_->commit()) {
      throw std::runtime_error("cannot store the bench release");
    }
    input_.root = &trusted_;
    input_.stations.insert_or_assign(kStation, evidence::KnownStation{std::move(*station),
                                                                      verifier::envelope_to_json(registration)});
    input_.now_unix = tt::kNow;
    input_.threads = threads;
    // The test-only path (tests/support/production_signers.h), to count signatures.
    key_.open = [this]() -> Result<hsm::ProductionSigner> {
      return hsm::ProductionSignerTestAccess::unchecked(
          hsm::ProductionRole::kEvidence, signer_->public_key(), [this](ByteView pae) {
            ++signatures_;
            return signer_->sign(pae);
          });
    };
  }

  // Countersigns one export end to end; throws when it fails or is refused.
  evidence::CountersignResult countersign(const std::string& export_file) {
    input_.exports = {export_file};
    auto result = evidence::countersign(*store_, input_, key_);
    if (!result) throw std::runtime_error("countersign failed: " + result.error().message);
    if (result->any_refused()) throw std::runtime_error("refused: " + result->exports[0].refusal);
    return std::move(*result);
  }

  [[nodiscard]] std::string export_path() const { return (hsm_.dir() / "station.export").string(); }
  [[nodiscard]] const std::filesystem::path& sqlite_file() const { return db_; }
  evidence::EvidenceStore& store() { return *store_; }
  void close_store() { store_.reset(); }
  [[nodiscard]] int signatures() const { return signatures_; }
  [[nodiscard]] const verifier::PublicKey& evidence_key() const { return signer_->public_key(); }

 private:
  hallmark::testing::SoftHsmFixture hsm_;
  hsm::Session session_;
  std::optional<hsm::TokenSigner> signer_;
  verifier::TrustedRoot trusted_;
  std::filesystem::path db_;
  std::unique_ptr<evidence::EvidenceStore> store_;
  evidence::CountersignInput input_;
  evidence::EvidenceKey key_;
  int signatures_ = 0;
};

// Closes the store and reports its bytes per unit (a SQLite file; PostgreSQL sizes are
// read by the script) and keeps a copy when HALLMARK_BENCH_KEEP_STORE names a path.
void report_store(BenchSigner& signer, const std::string& location, std::uint64_t units) {
  signer.close_store();
  if (!location.empty()) return;
  std::printf("store_bytes_per_unit %.0f\n", static_cast<double>(std::filesystem::file_size(signer.sqlite_file())) /
                                               static_cast<double>(units));
  if (const char* keep = std::getenv("HALLMARK_BENCH_KEEP_STORE")) {
    std::filesystem::copy_file(signer.sqlite_file(), keep, std::filesystem::copy_options::overwrite_existing);
  }
}

int run(std::uint64_t units, unsigned threads, const std::string& location) {
  BenchSigner signer(threads, location);
  if (generate(units, signer.export_path()) != 0) return 1;
  const long rss_before = peak_rss_kib();
  const double cpu_start = cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  const auto result = signer.countersign(signer.export_path());
  const double s = seconds_since(start);
  const double cpu = cpu_seconds() - cpu_start;
  std::printf("countersigned %llu\n", static_cast<unsigned long long>(result.new_size));
  std::printf("countersign_per_second %.0f\n", static_cast<double>(result.new_size) / s);
  std::printf("cpu_us_per_attestation %.1f\n", cpu * 1e6 / static_cast<double>(result.new_size));
  std::printf("cpu_busy %.2f\n", cpu / s / static_cast<double>(threads));
  std::printf("peak_rss_kib %ld\n", peak_rss_kib());
  std::printf("rss_before_kib %ld\n", rss_before);
  std::printf("evidence_signatures %d\n", signer.signatures());
  std::printf("findings %llu\n", static_cast<unsigned long long>(result.exports[0].findings));
  report_store(signer, location, result.new_size);
  return 0;
}

// Milliseconds of `fn` over `samples` calls: median and slowest.
template <typename Fn>
std::pair<double, double> latency_ms(int samples, Fn&& fn) {
  std::vector<double> ms;
  for (int i = 0; i < samples; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn(i);
    ms.push_back(seconds_since(start) * 1e3);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.back()};
}

// A store grown to `units` through the real path, `batch` units per export (each a real,
// station-signed continuation of one journal): the countersign rate of the first and the
// last batch, then what people ask of a store that size.
// Grows the signer's store by `units` units, `batch` per export (each a real, station-signed
// continuation of one journal); returns the units and the first and last batch rates.
struct Growth {
  std::uint64_t size = 0;
  double first_rate = 0;
  double last_rate = 0;
};
Growth grow(BenchSigner& signer, std::uint64_t units, std::uint64_t batch) {
  Growth g;
  std::string previous(32, '\0');
  const std::uint64_t batches = std::max<std::uint64_t>(1, units / batch);
  const auto all = std::chrono::steady_clock::now();
  for (std::uint64_t b = 0; b < batches; ++b) {
    if (generate(b * batch + 1, batch, previous, signer.export_path()) != 0) {
      throw std::runtime_error("cannot make the station export");
    }
    const auto start = std::chrono::steady_clock::now();
    const auto result = signer.countersign(signer.export_path());
    const double rate = static_cast<double>(batch) / seconds_since(start);
    if (result.exports[0].findings != 0) throw std::runtime_error("a bench unit raised a finding");
    (b == 0 ? g.first_rate : g.last_rate) = rate;
    if (b == 0) g.last_rate = rate;
    if ((b + 1) % 10 == 0 || b + 1 == batches) {
      std::fprintf(stderr, "  %llu of %llu units countersigned (%.0f s; last batch %.0f/s)\n",
                   static_cast<unsigned long long>((b + 1) * batch),
                   static_cast<unsigned long long>(batches * batch), seconds_since(all), rate);
    }
  }
  g.size = batches * batch;
  return g;
}

int scale(std::uint64_t units, std::uint64_t batch, unsigned threads, const std::string& location) {
  BenchSigner signer(threads, location);
  const Growth g = grow(signer, units, batch);
  const std::uint64_t size = g.size;
  const double first_rate = g.first_rate;
  const double last_rate = g.last_rate;
  std::printf("units %llu\n", static_cast<unsigned long long>(size));
  std::printf("firmware_hex %s\n", to_hex(as_bytes(digest_bytes(1, 0))).c_str());  // every unit's
  std::printf("first_batch_per_second %.0f\n", first_rate);
  std::printf("last_batch_per_second %.0f\n", last_rate);

  auto& store = signer.store();
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto random_unit = [&] {  // xorshift: a different unit each time, spread over the whole log
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return 1 + state % size;
  };
  const auto history = latency_ms(200, [&](int) {
    evidence::EntryQuery q;
    q.serial = Serial(fmt::format("SN-{:08}", random_unit()));
    int found = 0;
    auto ok = store.query(q, [&](const evidence::LogEntry&) -> Result<void> {
      ++found;
      return {};
    });
    if (!ok || found != 1) throw std::runtime_error("a unit's history was not found");
  });
  std::printf("serial_history_ms_median %.3f\nserial_history_ms_max %.3f\n", history.first, history.second);
  const auto proof = latency_ms(200, [&](int) {
    auto hashes = verifier::merkle::inclusion_proof(random_unit() - 1, size, evidence::store_nodes(store));
    if (!hashes) throw std::runtime_error(hashes.error().message);
  });
  std::printf("inclusion_proof_ms_median %.3f\ninclusion_proof_ms_max %.3f\n", proof.first, proof.second);
  report_store(signer, location, size);
  return 0;
}

// The bench's trust root as `hallmark-verify` reads it (a signed envelope in JSON); prints
// the digest to pin.
std::string trust_root_json(const verifier::PublicKey& evidence_key) {
  const v1::Envelope envelope = root_envelope(evidence_key);
  std::printf("trust_root_digest %s\n", to_hex(as_bytes(tt::payload_digest(envelope))).c_str());
  return verifier::envelope_to_json(envelope);
}

// A store of `units` units countersigned on one day, written as that day's retention segment.
int segment(std::uint64_t units, std::uint64_t batch, unsigned threads, const std::filesystem::path& out) {
  BenchSigner signer(threads, "");
  const Growth g = grow(signer, units, batch);
  std::filesystem::create_directories(out);
  auto written = evidence::export_segment(signer.store(), verifier::utc_day(tt::kNow), out);
  if (!written) throw std::runtime_error(written.error().message);
  std::ofstream(out / "trust-root.json") << trust_root_json(signer.evidence_key());
  std::printf("units %llu\nsegment %s\nsegment_bytes %llu\nat_unix %lld\n",
              static_cast<unsigned long long>(g.size), written->file.string().c_str(),
              static_cast<unsigned long long>(std::filesystem::file_size(written->file)),
              static_cast<long long>(tt::kNow));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  std::uint64_t units = 10000;
  unsigned threads = 2;
  std::uint64_t batch = 20000;
  std::string store;  // a fresh SQLite file unless given (postgres:CONNINFO of an empty database)
  std::string out;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--units") units = std::stoull(argv[i + 1]);
    if (flag == "--threads") threads = static_cast<unsigned>(std::stoul(argv[i + 1]));
    if (flag == "--batch") batch = std::stoull(argv[i + 1]);
    if (flag == "--store") store = argv[i + 1];
    if (flag == "--out") out = argv[i + 1];
  }
  try {
    if (mode == "baseline") return baseline(units, threads);
    if (mode == "parts") return parts(units);
    if (mode == "run") return run(units, threads, store);
    if (mode == "scale") return scale(units, batch, threads, store);
    if (mode == "segment" && !out.empty()) return segment(units, batch, threads, out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "countersign_bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: countersign_bench baseline|run|scale|segment --units N --threads T "
                       "[--batch N] [--store LOCATION] [--out DIR]\n");
  return 2;
}

// Station per-unit overhead (a benchmark, not a test: it is not registered with CTest and
// never fails on timing). program_unit() on an InstantDevice — re-reading the cached
// bundle, the provisioning plan, the device certificate (a device-CA token signature), the
// attestation (a station-key token signature) and the journal append with fdatasync —
// against the irreducible floor of a unit measured in the same run: two raw PKCS#11
// signatures (C_SignInit + C_Sign, CKM_ECDSA over a 32-byte digest, station key: the device
// certificate and the attestation), two verifications of what the token returned, and one
// small append + fdatasync in the journal's directory. Goal: ratio <= 1.5. N units from HALLMARK_BENCH_UNITS (default 200).
// Run by bench/station_unit_bench.sh.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/station/instant_device.h"
#include "bench/station/line_bench.h"
#include "hsm-profiles/src/token_key.h"
#include "hsm-profiles/src/token_signer.h"
#include "station-agent/cli/station_token.h"
#include "station-agent/station/device_certificate.h"
#include "station-agent/station/provisioning_plan.h"

namespace hallmark::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kWarmUp = 10;

int units_from_env() {
  const char* env = std::getenv("HALLMARK_BENCH_UNITS");
  const int n = env != nullptr ? std::atoi(env) : 0;
  return n > 0 ? n : 200;
}

double us(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// Per-iteration samples, in microseconds.
struct Samples {
  std::vector<double> v;
  double mean() const {
    double sum = 0;
    for (double x : v) sum += x;
    return v.empty() ? 0 : sum / static_cast<double>(v.size());
  }
  double median() const {
    auto s = v;
    std::sort(s.begin(), s.end());
    return s.empty() ? 0 : s[s.size() / 2];
  }
};

// One raw signature: exactly what a token costs, no host hashing, encoding or checking.
void raw_sign(const hsm::Session& session, CK_OBJECT_HANDLE key) {
  std::array<CK_BYTE, 32> digest{};
  digest[0] = 0x5a;
  std::array<CK_BYTE, 128> signature{};
  CK_ULONG size = signature.size();
  CK_MECHANISM mechanism{CKM_ECDSA, nullptr, 0};
  CK_FUNCTION_LIST* f = session.functions();
  must(f->C_SignInit(session.handle(), &mechanism, key) == CKR_OK, "raw C_SignInit");
  must(f->C_Sign(session.handle(), digest.data(), digest.size(), signature.data(), &size) ==
           CKR_OK,
       "raw C_Sign");
}

// One small record appended and made durable, like the journal's append.
void append_and_sync(int fd) {
  static constexpr char kRecord[] = "{\"bench\":\"a small record, about the size of a frame head\"}\n";
  must(::write(fd, kRecord, sizeof kRecord - 1) == static_cast<ssize_t>(sizeof kRecord - 1),
       "appending to bench-sync");
  must(::fdatasync(fd) == 0, "fdatasync of bench-sync");
}

// Station per-unit overhead against one raw token signature and one fdatasync.
void run() {
  const int n = units_from_env();
  LineBench world;
  testing::StationWorld& lw = world.station;
  auto line = must(lw.try_open_line(), "opening the line");
  must(lw.try_staff(line), "installing the staff roster, olga logged in");
  const auto release = must(lw.try_release(line), "loading the release of combo-1");

  // A second session on the station token: the same key objects the line signs with.
  hsm::Session session = lw.open_station_token();
  auto token_key = must(station::find_labelled_key(session, station::kStationKeyLabel),
                        "the station key on station-1");
  const CK_OBJECT_HANDLE station_key = token_key.handle();
  auto signer = must(hsm::TokenSigner::create(session, std::move(token_key)),
                     "a TokenSigner on the station key");
  const std::string sync_path = (lw.state / "bench-sync").string();
  const int fd = ::open(sync_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  must(fd >= 0, "opening " + sync_path);

  InstantDevice device("BENCH-HW-0");
  int unit = 0;
  auto program_next = [&] {
    ++unit;
    device.next_unit(fmt::format("BENCH-HW-{:06}", unit));
    const auto outcome = must(
        station::program_unit(line, release, device,
                              {Serial(fmt::format("BN-{:06}", unit)), station::UnitMode::kProgram, ""}),
        "program_unit");
    if (outcome.verdict != station::UnitVerdict::kPass) stop("program_unit", outcome.detail);
  };
  for (int i = 0; i < kWarmUp; ++i) {
    raw_sign(session, station_key);
    append_and_sync(fd);
    program_next();
  }

  Samples baseline, sign_only, sync_only, token_signer, reread, station;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    raw_sign(session, station_key);
    const auto t1 = Clock::now();
    append_and_sync(fd);
    const auto t2 = Clock::now();
    baseline.v.push_back(us(t2 - t0));
    sign_only.v.push_back(us(t1 - t0));
    sync_only.v.push_back(us(t2 - t1));
  }
  // What the station's signing callbacks do per signature: host SHA-256, C_SignInit +
  // C_Sign, raw-to-DER, verification of the signature under the public key.
  const Bytes attestation_sized(1024, std::byte{0x42});
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    auto signature = signer.sign(attestation_sized);
    token_signer.v.push_back(us(Clock::now() - t0));
    must(signature.has_value(), "TokenSigner::sign");
  }
  // The one signature check each token signature keeps: verify under a decoded key.
  const auto attestation_signature = must(signer.sign(attestation_sized), "TokenSigner::sign");
  Samples verify_only;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    auto ok = signer.public_key().verify(attestation_sized, attestation_signature);
    verify_only.v.push_back(us(Clock::now() - t0));
    must(ok, "verifying the token's signature");
  }
  // The device's new public key, decoded and checked once per unit (PublicKey).
  device.next_unit("BENCH-HW-KEY");
  const auto device_spki = must(device.generate_identity(), "the instant device's identity");
  Samples key_decode;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    auto key = verifier::PublicKey::from_spki_der(device_spki);
    key_decode.v.push_back(us(Clock::now() - t0));
    must(key.has_value(), "decoding the device's public key");
  }
  // A whole device certificate from the prepared device-CA: key decode, TBS, one token
  // signature (device-CA key), one verification.
  auto authority = must(line.device_ca(), "the line's device CA");
  Samples certificate;
  const device::HardwareId bench_hw{"BENCH-HW-KEY"};
  const Serial bench_serial{"BN-CERT"};
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    auto issued = authority->issue(station::DeviceUnit{
        release.release.bundle.certificate_profile(), bench_serial, bench_hw, device_spki,
        line.now()});
    certificate.v.push_back(us(Clock::now() - t0));
    must(issued.has_value(), "issuing a device certificate");
  }
  // The first thing program_unit() does: re-read the cached bundle, re-checking digests.
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    auto images = station::load_plan_images(release);
    reread.v.push_back(us(Clock::now() - t0));
    must(images.has_value(), "load_plan_images");
  }
  const auto device_before = device.busy();
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    program_next();
    station.v.push_back(us(Clock::now() - t0));
  }
  const double device_us = us(device.busy() - device_before) / n;
  ::close(fd);

  const double base = baseline.mean();
  // The irreducible floor of one unit: the two token signatures it needs (device
  // certificate by the device-CA key, attestation by the station key), the verification of
  // each signature the token returned, and one fdatasync — each measured in this run.
  const double floor = 2 * sign_only.mean() + 2 * verify_only.mean() + sync_only.mean();
  const double ratio = station.mean() / floor;
  auto line_out = [](const std::string& what, double mean, double median) {
    std::printf("%-52s %10.0f %10.0f\n", what.c_str(), mean, median);
  };
  std::printf("\nStation per-unit overhead (%d units after %d warm-up, instant device, "
              "SoftHSM, journal in %s)\n",
              n, kWarmUp, lw.state.string().c_str());
  std::printf("%-52s %10s %10s\n", "", "mean us", "median us");
  line_out("baseline: raw C_Sign (ECDSA P-256) + fdatasync", base, baseline.median());
  line_out("  of which raw C_SignInit + C_Sign", sign_only.mean(), sign_only.median());
  line_out("  of which append + fdatasync", sync_only.mean(), sync_only.median());
  line_out("station: program_unit, whole unit", station.mean(), station.median());
  std::printf("%-52s %10.0f\n", "  of which inside the instant device (not station)",
              device_us);
  std::printf("%-52s %10.0f\n", "  station without the instant device", station.mean() - device_us);
  line_out("  for comparison: load_plan_images (bundle re-read)", reread.mean(), reread.median());
  line_out("  for comparison: TokenSigner::sign, 1 KiB message", token_signer.mean(),
           token_signer.median());
  line_out("    of which: verifying the signature", verify_only.mean(), verify_only.median());
  line_out("  for comparison: device certificate (prepared CA)", certificate.mean(),
           certificate.median());
  line_out("    of which: decoding the device's public key", key_decode.mean(),
           key_decode.median());
  std::printf("%-52s %10.0f\n", "floor: 2 raw signs + 2 verifies + 1 fdatasync", floor);
  std::printf("%-52s %10.2f   (goal <= 1.50: %s)\n", "ratio station / floor", ratio,
              ratio <= 1.5 ? "met" : "NOT met");
  std::printf("%-52s %10.2f\n", "ratio (station - device) / floor",
              (station.mean() - device_us) / floor);
  std::printf("%-52s %10.2f\n", "ratio station / (1 raw sign + 1 fdatasync)", station.mean() / base);
  std::fflush(stdout);
}

}  // namespace
}  // namespace hallmark::bench

int main() { return hallmark::bench::run_bench("station_unit_bench", hallmark::bench::run); }

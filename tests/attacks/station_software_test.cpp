// Station software released like firmware (docs/release.md "Station software"): a real
// station-1 line records the digest of the software it runs in every event; the signer
// countersigns with the promoted station-software releases in force. Each test is an
// attack by someone who holds a station (runs their own build, passes a firmware release
// or an unapproved one off as station software) or a fault in the release path.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "ceremony/src/revoke_ceremony.h"
#include "signer/bundle/bundle_writer.h"
#include "signer/evidence/station_software.h"
#include "tests/evidence/evidence_test_support.h"
#include "tests/support/run_command.h"
#include "verifier/bundle/bundle_rules.h"
#include "verifier/bundle/promoted_bundle.h"

namespace hallmark::evidence::testing {
namespace {

namespace fs = std::filesystem;
using v1::Attestation;
using v1::Finding;

bool mentions(const Error& e, const std::string& what) {
  return e.message.find(what) != std::string::npos;
}

// A Debian package installing /usr/bin/hallmark-station with `program` as its bytes, built
// with dpkg-deb as scripts/package_debs.sh builds the real ones.
fs::path make_deb(const promote::testing::World& w, const std::string& name,
                  const std::string& program) {
  const fs::path root = w.path(name + ".root");
  fs::create_directories(root / "DEBIAN");
  fs::create_directories(root / "usr/bin");
  std::ofstream(root / "DEBIAN/control")
      << "Package: hallmark-station\nVersion: 2.0.0\nArchitecture: all\n"
         "Maintainer: test <t@localhost>\nDescription: test package\n";
  std::ofstream(root / "usr/bin/hallmark-station", std::ios::binary) << program;
  fs::permissions(root / "usr/bin/hallmark-station", fs::perms::owner_all, fs::perm_options::add);
  const fs::path deb = w.path(name + ".deb");
  auto r = hallmark::testing::run_command(
      fmt::format("dpkg-deb --root-owner-group --build {} {}",
                  hallmark::testing::shell_quote(root.string()),
                  hallmark::testing::shell_quote(deb.string())));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return deb;
}

verifier::Digest digest_of(const std::string& bytes) {
  return *verifier::sha256(as_bytes(std::string_view(bytes)));
}

// A station-software bundle of `deb` (unsigned: what custodians are asked to approve).
fs::path station_bundle(const promote::testing::World& w, const fs::path& deb,
                        const std::string& version, const std::string& out) {
  v1::BundleSpec spec;
  spec.set_station_software(true);
  spec.set_sku(std::string(bundle::kStationSoftwareSku));
  spec.set_version(version);
  spec.set_requester(w.requester_key_id("rm-erin"));
  auto* image = spec.add_images();
  image->set_name("hallmark-station");
  image->set_path(deb.string());
  auto made = bundle::create_bundle(spec, w.path(""), w.catalog, w.path(out), w.now);
  REQUIRE_MESSAGE(made, (made ? "" : made.error().message));
  return w.path(out);
}

// Created, approved by alice and bob, promoted with the release key.
fs::path promoted_station_release(const promote::testing::World& w, const std::string& program,
                                  const std::string& version = "2.0.0") {
  const auto deb = make_deb(w, "station-" + version, program);
  const auto b = station_bundle(w, deb, version, "station-" + version + ".bundle");
  const std::string out = "station-" + version + ".promoted.bundle";
  auto promoted = w.promote(b, {w.approval(b, "alice"), w.approval(b, "bob")}, out);
  REQUIRE_MESSAGE(promoted, (promoted ? "" : promoted.error().message));
  return w.path(out);
}

// The event of `serial` recorded by a line running software `program`, countersigned with
// `releases`.
LogEntry countersigned_with(EvidenceWorld& w, const std::string& program,
                            const StationSoftwareReleases& releases, const std::string& serial) {
  w.line.reset();
  w.lw.software = digest_of(program);
  w.line = w.lw.open_line();
  w.record(Attestation::PROGRAM, serial, "HW-" + serial);
  w.station_software = &releases;
  auto r = w.countersign({w.export_now(serial + ".export")});
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  return entry_of(w, serial);
}

}  // namespace

TEST_CASE("an approved station update is not drift") {
  EvidenceWorld w;
  const std::string v2 = "hallmark-station 2.0.0 build";
  auto releases = StationSoftwareReleases::load({promoted_station_release(w.lw.w, v2)},
                                                w.lw.w.trust(w.now()));
  REQUIRE_MESSAGE(releases, (releases ? "" : releases.error().message));
  CHECK(releases->release_count() == 1);
  const auto entry = countersigned_with(w, v2, *releases, "SN-UPDATED");
  CHECK_FALSE(has_finding(entry, Finding::STATION_DRIFT));
}

TEST_CASE("an unapproved station binary is drift, and the finding names its digest") {
  EvidenceWorld w;
  auto releases = StationSoftwareReleases::load(
      {promoted_station_release(w.lw.w, "hallmark-station 2.0.0 build")}, w.lw.w.trust(w.now()));
  REQUIRE(releases);
  const std::string own_build = "hallmark-station 2.0.0 build, patched on the station";
  const auto entry = countersigned_with(w, own_build, *releases, "SN-PATCHED");
  REQUIRE(has_finding(entry, Finding::STATION_DRIFT));
  CHECK(detail_of(entry, Finding::STATION_DRIFT).find(digest_of(own_build).hex()) !=
        std::string::npos);
  CHECK(detail_of(entry, Finding::STATION_DRIFT).find("not approved") != std::string::npos);
}

TEST_CASE("a station update with no station-software release given is drift") {
  EvidenceWorld w;
  const StationSoftwareReleases none;
  const auto entry = countersigned_with(w, "hallmark-station 2.0.0 build", none, "SN-NOREL");
  CHECK(has_finding(entry, Finding::STATION_DRIFT));
}

TEST_CASE("a station-software release approved by one custodian is not promoted") {
  promote::testing::World w;
  const auto deb = make_deb(w, "station", "hallmark-station 2.0.0 build");
  const auto b = station_bundle(w, deb, "2.0.0", "station.bundle");
  auto r = w.promote(b, {w.approval(b, "alice")}, "station.promoted.bundle");
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "1 of 2"));
  CHECK_FALSE(fs::exists(w.path("station.promoted.bundle")));
}

TEST_CASE("a station-software release with an approval tampered after promotion is refused") {
  promote::testing::World w;
  const auto promoted = promoted_station_release(w, "hallmark-station 2.0.0 build");
  const auto entry = promote::testing::flip_byte(promoted, w.path("tampered.bundle"),
                                                 "promotion/approval-2", 40, true);
  auto r = StationSoftwareReleases::load({w.path("tampered.bundle")}, w.trust(w.now + 5));
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "tampered.bundle"));
}

TEST_CASE("a firmware release passed off as a station-software release is refused") {
  EvidenceWorld w;  // w.lw.promoted: firmware for combo-1, properly promoted
  auto r = StationSoftwareReleases::load({w.lw.promoted}, w.lw.w.trust(w.now()));
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "is a firmware release"));
  CHECK(mentions(r.error(), w.lw.promoted.string()));
}

TEST_CASE("a station-software release passed off as firmware is refused") {
  promote::testing::World w;
  const auto promoted = promoted_station_release(w, "hallmark-station 2.0.0 build");
  auto r = bundle::verify_promoted_bundle(promoted, w.trust(w.now + 5), {});
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "is a station-software release"));
  // ...and verifies as what it is.
  CHECK(bundle::verify_station_software_release(promoted, w.trust(w.now + 5)));
}

TEST_CASE("a firmware bundle calling itself station software, or the reverse, breaks the rules") {
  promote::testing::World w;
  const auto deb = make_deb(w, "station", "hallmark-station 2.0.0 build");
  const auto b = station_bundle(w, deb, "2.0.0", "station.bundle");
  auto contents = bundle::read_bundle(b);
  REQUIRE(contents);
  v1::Bundle no_software = contents->bundle;
  no_software.clear_station_software();
  CHECK_FALSE(bundle::check_bundle_rules(no_software));  // SKU station-software is reserved
  v1::Bundle with_plan = contents->bundle;
  with_plan.add_plan()->set_kind(v1::ProvisioningStep::WRITE_IMAGE);
  auto refused = bundle::check_bundle_rules(with_plan);
  REQUIRE_FALSE(refused);
  CHECK(mentions(refused.error(), "belong to firmware"));
  v1::Bundle other_sku = contents->bundle;
  other_sku.set_sku("combo-1");
  CHECK_FALSE(bundle::check_bundle_rules(other_sku));
  CHECK(bundle::check_bundle_rules(contents->bundle));
}

TEST_CASE("a revoked station-software release is refused by name") {
  promote::testing::World w;
  const auto promoted = promoted_station_release(w, "hallmark-station 2.0.0 build");
  auto verified = bundle::verify_station_software_release(promoted, w.trust(w.now + 5));
  REQUIRE(verified);
  hallmark::testing::RecordingUi ui;
  ceremony::CeremonyContext context{ui, hallmark::testing::fixed_clock(w.now), {}};
  const std::vector<v1::Envelope> chain{w.v1_root};
  ceremony::RevokeInput rin{chain, {}, &w.plan,
                            {{}, {}, {}, {verified->bundle_digest.hex()}, "bad build", std::nullopt}};
  auto revoked = ceremony::run_revoke(rin, context);
  REQUIRE(revoked.ok());
  auto r = StationSoftwareReleases::load({promoted}, w.trust(w.now + 5, {*revoked.document}));
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "is revoked"));
}

TEST_CASE("a newer station-software release does not withdraw the older one, and neither "
          "approves events before its promotion") {
  promote::testing::World w;
  const std::string v2 = "hallmark-station 2.0.0 build", v3 = "hallmark-station 3.0.0 build";
  auto releases = StationSoftwareReleases::load(
      {promoted_station_release(w, v2, "2.0.0"), promoted_station_release(w, v3, "3.0.0")},
      w.trust(w.now + 5));
  REQUIRE_MESSAGE(releases, (releases ? "" : releases.error().message));
  const auto bytes = [](const std::string& s) {
    return std::string(as_chars(digest_of(s).bytes()));
  };
  const auto* old_one = releases->find(bytes(v2), w.now + 60);
  REQUIRE(old_one != nullptr);
  CHECK(old_one->version == "2.0.0");
  CHECK(old_one->path == "/usr/bin/hallmark-station");
  CHECK(releases->find(bytes(v3), w.now + 60) != nullptr);
  CHECK(releases->find(bytes(v3), w.now - 1) == nullptr);  // before its promotion
  CHECK(releases->find(bytes("anything else"), w.now + 60) == nullptr);
}

// The enrolled build (LineWorld: SHA-256 of nothing, `kEnrolledBuild` here) is approved only
// until a station-software release is in force (station_software.h).
const std::string kEnrolledBuild;

TEST_CASE("a station kept on its enrolled build once a station-software release is in force "
          "is drift, and the finding names the digest") {
  EvidenceWorld w;
  auto releases = StationSoftwareReleases::load(
      {promoted_station_release(w.lw.w, "hallmark-station 2.0.0 build")}, w.lw.w.trust(w.now()));
  REQUIRE_MESSAGE(releases, (releases ? "" : releases.error().message));
  const auto entry = countersigned_with(w, kEnrolledBuild, *releases, "SN-STAYED");
  REQUIRE(has_finding(entry, Finding::STATION_DRIFT));
  const std::string detail = detail_of(entry, Finding::STATION_DRIFT);
  CHECK(detail.find(digest_of(kEnrolledBuild).hex()) != std::string::npos);
  CHECK(detail.find("enrolled software") != std::string::npos);
  CHECK(detail.find("install a promoted release") != std::string::npos);
}

TEST_CASE("a station-software release that lists the enrolled build keeps it approved") {
  EvidenceWorld w;
  auto releases = StationSoftwareReleases::load(
      {promoted_station_release(w.lw.w, kEnrolledBuild)}, w.lw.w.trust(w.now()));
  REQUIRE_MESSAGE(releases, (releases ? "" : releases.error().message));
  const auto entry = countersigned_with(w, kEnrolledBuild, *releases, "SN-RELEASED");
  CHECK_FALSE(has_finding(entry, Finding::STATION_DRIFT));
}

TEST_CASE("the enrolled build is approved only for events before the first release in force, "
          "and an update only from its release's promotion on") {
  promote::testing::World w;
  const std::string v2 = "hallmark-station 2.0.0 build";
  auto releases = StationSoftwareReleases::load({promoted_station_release(w, v2)},
                                                w.trust(w.now + 5));
  REQUIRE_MESSAGE(releases, (releases ? "" : releases.error().message));
  const auto bytes = [](const std::string& s) {
    return std::string(as_chars(digest_of(s).bytes()));
  };
  const std::string enrolled = bytes(kEnrolledBuild);
  // Before the release: the enrolled build, and nothing else.
  CHECK_FALSE(releases->unapproved_software(enrolled, enrolled, w.now - 1));
  CHECK(releases->unapproved_software(enrolled, bytes(v2), w.now - 1));
  // From its promotion on: the release's program, and no longer the enrolled build.
  CHECK_FALSE(releases->unapproved_software(enrolled, bytes(v2), w.now + 60));
  const auto stayed = releases->unapproved_software(enrolled, enrolled, w.now + 60);
  REQUIRE(stayed);
  CHECK(stayed->find(digest_of(kEnrolledBuild).hex()) != std::string::npos);
  // With no release given, the enrolled build is what is approved, at any time.
  const StationSoftwareReleases none;
  CHECK_FALSE(none.unapproved_software(enrolled, enrolled, w.now + 60));
  CHECK(none.unapproved_software(enrolled, bytes(v2), w.now + 60));
}

}  // namespace hallmark::evidence::testing

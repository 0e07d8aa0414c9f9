// Station software released like firmware (docs/release.md "Station software"): a real
// station-1 line records the digest of the software it runs in every event; the signer
// countersigns with the promoted station-software releases its evidence store holds in
// force. Each test is an attack by someone who holds a station (runs their own build, passes
// a firmware release or an unapproved one off as station software), by someone who runs
// countersign without the release file or writes into the store, or a fault in the release
// path.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "ceremony/src/revoke_ceremony.h"
#include "signer/bundle/bundle_writer.h"
#include "signer/evidence/station_software.h"
#include "tests/bundle/bundle_test_support.h"
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

// A fresh SQLite evidence store in the world's directory.
std::unique_ptr<EvidenceStore> signer_store(const promote::testing::World& w,
                                            const std::string& name = "signer-evidence.db") {
  auto store = open_store("sqlite:" + w.path(name).string());
  REQUIRE_MESSAGE(store, (store ? "" : store.error().message));
  return std::move(*store);
}

// The releases in force after `files` were shown to countersign (--station-software).
Result<StationSoftwareReleases> shown(EvidenceStore& store, const std::vector<fs::path>& files,
                                      const verifier::Trust& trust) {
  return StationSoftwareReleases::in_force(store, files, trust);
}

std::size_t recorded(EvidenceStore& store) {
  auto rows = store.station_software_releases();
  REQUIRE_MESSAGE(rows, (rows ? "" : rows.error().message));
  return rows->size();
}

// The event of `serial` recorded by a line running software `program`, countersigned with
// `releases` (null: as the CLI does, with what the store holds and no file given).
LogEntry countersigned_with(EvidenceWorld& w, const std::string& program,
                            const StationSoftwareReleases* releases, const std::string& serial) {
  w.line.reset();
  w.lw.software = digest_of(program);
  w.line = w.lw.open_line();
  w.record(Attestation::PROGRAM, serial, "HW-" + serial);
  w.station_software = releases;
  auto r = w.countersign({w.export_now(serial + ".export")});
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  return entry_of(w, serial);
}

}  // namespace

TEST_CASE("an approved station update is not drift") {
  EvidenceWorld w;
  const std::string v2 = "hallmark-station 2.0.0 build";
  auto releases = shown(*w.store, {promoted_station_release(w.lw.w, v2)}, w.lw.w.trust(w.now()));
  REQUIRE_MESSAGE(releases, (releases ? "" : releases.error().message));
  CHECK(releases->release_count() == 1);
  const auto entry = countersigned_with(w, v2, &*releases, "SN-UPDATED");
  CHECK_FALSE(has_finding(entry, Finding::STATION_DRIFT));
}

TEST_CASE("an unapproved station binary is drift, and the finding names its digest") {
  EvidenceWorld w;
  auto releases = shown(*w.store, {promoted_station_release(w.lw.w, "hallmark-station 2.0.0 build")},
                        w.lw.w.trust(w.now()));
  REQUIRE(releases);
  const std::string own_build = "hallmark-station 2.0.0 build, patched on the station";
  const auto entry = countersigned_with(w, own_build, &*releases, "SN-PATCHED");
  REQUIRE(has_finding(entry, Finding::STATION_DRIFT));
  CHECK(detail_of(entry, Finding::STATION_DRIFT).find(digest_of(own_build).hex()) !=
        std::string::npos);
  CHECK(detail_of(entry, Finding::STATION_DRIFT).find("not approved") != std::string::npos);
}

TEST_CASE("a station update with no station-software release given is drift") {
  EvidenceWorld w;
  const auto entry = countersigned_with(w, "hallmark-station 2.0.0 build", nullptr, "SN-NOREL");
  CHECK(has_finding(entry, Finding::STATION_DRIFT));
}

TEST_CASE("countersign without --station-software after a release was recorded still flags an "
          "unapproved binary as drift, naming its digest") {
  EvidenceWorld w;
  const std::string v2 = "hallmark-station 2.0.0 build";
  // The release is shown once (a countersign with --station-software)...
  REQUIRE(shown(*w.store, {promoted_station_release(w.lw.w, v2)}, w.lw.w.trust(w.now())));
  // ...and later runs give no file (forgotten, or stripped from the command).
  const std::string own_build = "hallmark-station 2.0.0 build, patched on the station";
  const auto patched = countersigned_with(w, own_build, nullptr, "SN-NOFLAG");
  REQUIRE(has_finding(patched, Finding::STATION_DRIFT));
  CHECK(detail_of(patched, Finding::STATION_DRIFT).find(digest_of(own_build).hex()) !=
        std::string::npos);
  // The recorded release is what approves the update, with no file given either.
  CHECK_FALSE(has_finding(countersigned_with(w, v2, nullptr, "SN-NOFLAG-OK"),
                          Finding::STATION_DRIFT));
}

TEST_CASE("countersign refuses to run without the station-software releases of its store") {
  EvidenceWorld w;
  w.program("SN-NORELEASES", "HW-NORELEASES");
  auto input = w.countersign_input({w.export_now("norel.export")});
  input.station_software = nullptr;  // a front end that forgot them
  auto r = countersign(*w.store, input, w.evidence_key());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kUsage);
  CHECK(mentions(r.error(), "station-software releases"));
  CHECK(entries(*w.store).empty());
}

TEST_CASE("a forged, unpromoted or one-of-three-approved release offered to the store is "
          "refused and nothing is recorded") {
  promote::testing::World w;
  const auto good = promoted_station_release(w, "hallmark-station 2.0.0 build");
  // Forged: a byte of the release envelope's signature changed.
  promote::testing::flip_byte(good, w.path("forged.bundle"), "promotion/release", 40, true);
  // Unpromoted: the bundle as custodians were asked to approve it, never signed.
  const auto deb = make_deb(w, "unpromoted", "hallmark-station 2.0.0 build, unpromoted");
  const auto unpromoted = station_bundle(w, deb, "2.0.1", "unpromoted.bundle");
  // One approval of the three custodians: the second taken out of a promoted release.
  auto entries = bundle::testing::entries_of(good);
  const auto before = entries.size();
  std::erase_if(entries, [](const auto& e) { return e.name == "promotion/approval-2.json"; });
  REQUIRE(entries.size() + 1 == before);
  bundle::testing::write_archive(w.path("one-approval.bundle"), entries);

  auto store = signer_store(w);
  const struct {
    fs::path file;
    const char* why;
  } offers[] = {{w.path("forged.bundle"), "release"},
                {unpromoted, "not promoted"},
                {w.path("one-approval.bundle"), "approval"}};
  for (const auto& offer : offers) {
    CAPTURE(offer.file);
    // Offered alone, and beside a good release (which is not recorded either).
    for (const auto& files : {std::vector<fs::path>{offer.file}, std::vector<fs::path>{good, offer.file}}) {
      auto r = shown(*store, files, w.trust(w.now + 5));
      REQUIRE_FALSE(r);
      CHECK(mentions(r.error(), offer.file.string()));
      CHECK(mentions(r.error(), offer.why));
      CHECK(recorded(*store) == 0);
    }
  }
  auto fine = shown(*store, {good}, w.trust(w.now + 5));
  REQUIRE_MESSAGE(fine, (fine ? "" : fine.error().message));
  CHECK(recorded(*store) == 1);
}

TEST_CASE("a station-software release recorded twice is stored once") {
  promote::testing::World w;
  const auto release = promoted_station_release(w, "hallmark-station 2.0.0 build");
  fs::copy_file(release, w.path("copy.promoted.bundle"));
  auto store = signer_store(w);
  auto first = record_station_software(*store, {release, release}, w.trust(w.now + 5));
  REQUIRE_MESSAGE(first, (first ? "" : first.error().message));
  CHECK(*first == 1);
  auto again = record_station_software(*store, {w.path("copy.promoted.bundle")}, w.trust(w.now + 9));
  REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
  CHECK(*again == 0);
  auto rows = store->station_software_releases();
  REQUIRE(rows);
  REQUIRE(rows->size() == 1);
  CHECK(rows->front().recorded_unix == w.now + 5);  // kept as first recorded
  auto releases = shown(*store, {release}, w.trust(w.now + 10));
  REQUIRE(releases);
  CHECK(releases->release_count() == 1);
}

TEST_CASE("a station-software release written into the store behind the signer's back "
          "approves nothing") {
  EvidenceWorld w;
  const std::string v2 = "hallmark-station 2.0.0 build";
  REQUIRE(shown(*w.store, {promoted_station_release(w.lw.w, v2)}, w.lw.w.trust(w.now())));
  auto rows = w.store->station_software_releases();
  REQUIRE(rows);
  REQUIRE(rows->size() == 1);
  // The attacker's row: the real release's Bundle with their binary's digest in it, under
  // its own digest, carrying the real promotion (which signs the real bundle digest)...
  const std::string own_build = "hallmark-station 2.0.0 build, the attacker's";
  StationSoftwareRow forged = rows->front();
  v1::Bundle bundle;
  REQUIRE(bundle.ParseFromArray(forged.bundle.data(), static_cast<int>(forged.bundle.size())));
  bundle.mutable_station_software()->mutable_binaries(0)->set_sha256(
      std::string(as_chars(digest_of(own_build).bytes())));
  const std::string bytes = bundle.SerializeAsString();
  forged.bundle = to_bytes(bytes);
  forged.bundle_digest = digest_of(bytes);
  // ...and one with no promotion at all.
  StationSoftwareRow bare = forged;
  bare.promotion.clear();
  bare.version = "9.9.9";
  bare.bundle_digest = digest_of(bytes + " ");
  REQUIRE(w.store->begin());
  REQUIRE(w.store->put_station_software(forged).value_or(false));
  REQUIRE(w.store->put_station_software(bare).value_or(false));
  REQUIRE(w.store->commit());

  const auto& releases = w.stored_station_software();
  CHECK(releases.release_count() == 1);  // the real one
  REQUIRE(releases.passed_over().size() == 2);
  CHECK(releases.passed_over()[0].find("approves nothing") != std::string::npos);
  const auto entry = countersigned_with(w, own_build, nullptr, "SN-FORGEDROW");
  REQUIRE(has_finding(entry, Finding::STATION_DRIFT));
  CHECK(detail_of(entry, Finding::STATION_DRIFT).find(digest_of(own_build).hex()) !=
        std::string::npos);
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
  auto store = signer_store(w);
  auto r = shown(*store, {w.path("tampered.bundle")}, w.trust(w.now + 5));
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "tampered.bundle"));
  CHECK(recorded(*store) == 0);
}

TEST_CASE("a firmware release passed off as a station-software release is refused") {
  EvidenceWorld w;  // w.lw.promoted: firmware for combo-1, properly promoted
  auto r = shown(*w.store, {w.lw.promoted}, w.lw.w.trust(w.now()));
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "is a firmware release"));
  CHECK(mentions(r.error(), w.lw.promoted.string()));
  CHECK(recorded(*w.store) == 0);
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
  auto store = signer_store(w);
  auto r = shown(*store, {promoted}, w.trust(w.now + 5, {*revoked.document}));
  REQUIRE_FALSE(r);
  CHECK(mentions(r.error(), "is revoked"));
  CHECK(recorded(*store) == 0);
  // Recorded before the revocation: it approves nothing from then on, named, and the
  // other releases stay in force.
  const auto other = promoted_station_release(w, "hallmark-station 3.0.0 build", "3.0.0");
  REQUIRE(shown(*store, {promoted, other}, w.trust(w.now + 5)));
  auto after = shown(*store, {}, w.trust(w.now + 5, {*revoked.document}));
  REQUIRE_MESSAGE(after, (after ? "" : after.error().message));
  CHECK(after->release_count() == 1);
  REQUIRE(after->passed_over().size() == 1);
  CHECK(after->passed_over()[0].find(verified->bundle_digest.hex()) != std::string::npos);
  CHECK(after->passed_over()[0].find("revoked") != std::string::npos);
}

TEST_CASE("a newer station-software release does not withdraw the older one, and neither "
          "approves events before its promotion") {
  promote::testing::World w;
  const std::string v2 = "hallmark-station 2.0.0 build", v3 = "hallmark-station 3.0.0 build";
  auto store = signer_store(w);
  auto releases = shown(
      *store, {promoted_station_release(w, v2, "2.0.0"), promoted_station_release(w, v3, "3.0.0")},
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
  auto releases = shown(*w.store, {promoted_station_release(w.lw.w, "hallmark-station 2.0.0 build")},
                        w.lw.w.trust(w.now()));
  REQUIRE_MESSAGE(releases, (releases ? "" : releases.error().message));
  // A later countersign, given no release file: the recorded release is in force.
  const auto entry = countersigned_with(w, kEnrolledBuild, nullptr, "SN-STAYED");
  REQUIRE(has_finding(entry, Finding::STATION_DRIFT));
  const std::string detail = detail_of(entry, Finding::STATION_DRIFT);
  CHECK(detail.find(digest_of(kEnrolledBuild).hex()) != std::string::npos);
  CHECK(detail.find("enrolled software") != std::string::npos);
  CHECK(detail.find("install a promoted release") != std::string::npos);
}

TEST_CASE("a station-software release that lists the enrolled build keeps it approved") {
  EvidenceWorld w;
  auto releases = shown(*w.store, {promoted_station_release(w.lw.w, kEnrolledBuild)},
                        w.lw.w.trust(w.now()));
  REQUIRE_MESSAGE(releases, (releases ? "" : releases.error().message));
  const auto entry = countersigned_with(w, kEnrolledBuild, &*releases, "SN-RELEASED");
  CHECK_FALSE(has_finding(entry, Finding::STATION_DRIFT));
}

TEST_CASE("the enrolled build is approved only for events before the first release in force, "
          "and an update only from its release's promotion on") {
  promote::testing::World w;
  const std::string v2 = "hallmark-station 2.0.0 build";
  auto store = signer_store(w);
  auto releases = shown(*store, {promoted_station_release(w, v2)}, w.trust(w.now + 5));
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
  // With no release recorded, the enrolled build is what is approved, at any time.
  auto none = shown(*signer_store(w, "empty.db"), {}, w.trust(w.now + 5));
  REQUIRE(none);
  CHECK_FALSE(none->unapproved_software(enrolled, enrolled, w.now + 60));
  CHECK(none->unapproved_software(enrolled, bytes(v2), w.now + 60));
}

}  // namespace hallmark::evidence::testing

// The evidence store's releases (firmware and station software) and its schema versions
// (store_scenarios.h): what is recorded once, and what a store of another version does.
#include "tests/store/store_scenarios.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <utility>

#include "tests/store/scenario_support.h"

namespace hallmark::evidence::test::scenario {

void release_conflict(Backend& backend) {
  auto store = backend.open();
  ok(store->begin());
  ok(store->put_release(release_of(0xB1, "1.2.0")));
  ok(store->put_release(release_of(0xB1, "1.2.0")));  // the same promotion again: fine
  const auto e = refused(store->put_release(release_of(0xB1, "1.2.1")));
  CHECK(e.code == ErrorCode::kVerificationFailed);
  CHECK(e.message.find(digest_of(0xB1).hex()) != std::string::npos);
  ok(store->commit());
  ok(store->begin());
  ok(store->put_release(release_of(0xB1, "1.2.0")));  // and in a later transaction
  ok(store->commit());
  CHECK(ok(store->release(digest_of(0xB1)))->version == "1.2.0");
}

namespace {

StationSoftwareRow station_software_of(unsigned fill_byte, std::string version,
                                       std::int64_t recorded_unix, const std::string& approval) {
  StationSoftwareRow r;
  r.bundle_digest = digest_of(fill_byte);
  r.version = std::move(version);
  r.promoted_unix = kT - 100;
  r.recorded_unix = recorded_unix;
  r.bundle = to_bytes("bundle " + r.version);
  r.promotion = {{"promotion/release.json", to_bytes("{\"release\":1}")},
                 {"promotion/approval-1.json", to_bytes(approval)}};
  return r;
}

std::string describe_software(const std::vector<StationSoftwareRow>& rows) {
  std::string out;
  for (const auto& r : rows) {
    out += fmt::format("{} {} {} {} {}:", r.bundle_digest.hex(), r.version, r.promoted_unix,
                       r.recorded_unix, as_chars(r.bundle));
    for (const auto& [name, document] : r.promotion) {
      out += fmt::format(" {}={}", name, as_chars(document));
    }
    out += "\n";
  }
  return out;
}

}  // namespace

void station_software_once(Backend& backend) {
  {
    auto store = backend.open();
    CHECK(refused(store->put_station_software(station_software_of(0xC1, "2.0.0", kT, "a")))
              .code == ErrorCode::kUsage);  // outside a transaction
    ok(store->begin());
    CHECK(ok(store->put_station_software(station_software_of(0xC1, "2.0.0", kT, "a"))));
    // The same release again, recorded later with another approval file: kept as first.
    CHECK_FALSE(ok(store->put_station_software(station_software_of(0xC1, "2.0.0", kT + 9, "b"))));
    CHECK(ok(store->put_station_software(station_software_of(0xC2, "3.0.0", kT + 1, "c"))));
    ok(store->commit());
    ok(store->begin());
    CHECK_FALSE(ok(store->put_station_software(station_software_of(0xC2, "3.0.0", kT + 2, "d"))));
    ok(store->commit());
    ok(store->begin());  // rolled back: not recorded
    CHECK(ok(store->put_station_software(station_software_of(0xC3, "4.0.0", kT + 3, "e"))));
    store->rollback();
  }
  auto store = backend.open();
  const auto rows = ok(store->station_software_releases());
  CHECK(describe_software(rows) ==
        fmt::format("{} 2.0.0 {} {} bundle 2.0.0: promotion/approval-1.json=a "
                    "promotion/release.json={{\"release\":1}}\n"
                    "{} 3.0.0 {} {} bundle 3.0.0: promotion/approval-1.json=c "
                    "promotion/release.json={{\"release\":1}}\n",
                    digest_of(0xC1).hex(), kT - 100, kT, digest_of(0xC2).hex(), kT - 100, kT + 1));
}

void newer_schema_refused(Backend& backend) {
  backend.open().reset();  // creates the schema
  backend.raw_exec("UPDATE hallmark_schema SET version = 99");
  auto store = open_store(backend.location());
  const auto e = refused(store);
  CHECK(e.code == ErrorCode::kIo);
  CHECK(e.message.find("schema version 99") != std::string::npos);
  CHECK(e.message.find("newer") != std::string::npos);
  CHECK(e.message.find("evidence store") != std::string::npos);
}

void older_schema_refused(Backend& backend) {
  backend.open().reset();
  backend.raw_exec("UPDATE hallmark_schema SET version = 1");
  auto store = open_store(backend.location());
  const auto e = refused(store);
  CHECK(e.code == ErrorCode::kIo);
  CHECK(e.message.find("schema version 1 ") != std::string::npos);
  CHECK(e.message.find("into a new store") != std::string::npos);
}

// A version-5 store: the schema 6 made without its station-software tables.
void schema_5_gains_station_software(Backend& backend) {
  std::string before;
  {
    auto store = backend.open();
    fill(*store);
    before = answers(*store);
  }
  CHECK(before.find("SN-1") != std::string::npos);
  backend.raw_exec("DROP TABLE station_software_promotion");
  backend.raw_exec("DROP TABLE station_software_releases");
  backend.raw_exec("UPDATE hallmark_schema SET version = 5");
  {
    auto store = backend.open();
    CHECK(answers(*store) == before);
    CHECK(ok(store->station_software_releases()).empty());
    ok(store->begin());
    CHECK(ok(store->put_station_software(station_software_of(0xC1, "2.0.0", kT, "a"))));
    ok(store->commit());
  }
  auto store = backend.open();  // opened again: at version 6, nothing is added twice
  CHECK(ok(store->station_software_releases()).size() == 1);
  CHECK(answers(*store) == before);
}

}  // namespace hallmark::evidence::test::scenario

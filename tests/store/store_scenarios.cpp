#include "tests/store/store_scenarios.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "tests/store/scenario_support.h"

namespace hallmark::evidence::test::scenario {
namespace {

std::vector<std::pair<std::string, EntryQuery>> sample_queries() {
  std::vector<std::pair<std::string, EntryQuery>> q;
  q.emplace_back("all", EntryQuery{});
  q.emplace_back("serial SN-1", where([](auto& w) { w.serial = Serial("SN-1"); }));
  q.emplace_back("empty serial", where([](auto& w) { w.serial = Serial(""); }));
  q.emplace_back("hardware id HW-3", where([](auto& w) { w.hardware_id = HardwareId("HW-3"); }));
  q.emplace_back("station st-b", where([](auto& w) { w.station_id = StationId("st-b"); }));
  q.emplace_back("image digest 11", where([](auto& w) { w.firmware = digest_of(0x11); }));
  q.emplace_back("image digest 23", where([](auto& w) { w.firmware = digest_of(0x23); }));
  q.emplace_back("bundle digest B2", where([](auto& w) { w.firmware = digest_of(0xB2); }));
  q.emplace_back("unknown digest", where([](auto& w) { w.firmware = digest_of(0x99); }));
  q.emplace_back("digest 12 at st-a", where([](auto& w) {
                   w.station_id = StationId("st-a");
                   w.firmware = digest_of(0x12);
                 }));
  q.emplace_back("time [T+20, T+60)", where([](auto& w) {
                   w.from_unix = kT + 20;
                   w.to_unix = kT + 60;
                 }));
  q.emplace_back("time from T+70", where([](auto& w) { w.from_unix = kT + 70; }));
  q.emplace_back("time before T+10", where([](auto& w) { w.to_unix = kT + 10; }));
  q.emplace_back("SN-1, digest 12, [T, T+50)", where([](auto& w) {
                   w.serial = Serial("SN-1");
                   w.firmware = digest_of(0x12);
                   w.from_unix = kT;
                   w.to_unix = kT + 50;
                 }));
  q.emplace_back("SN-2 on HW-2 at st-b", where([](auto& w) {
                   w.serial = Serial("SN-2");
                   w.hardware_id = HardwareId("HW-2");
                   w.station_id = StationId("st-b");
                 }));
  return q;
}

}  // namespace

void fill(EvidenceStore& store) {
  ok(store.begin());
  for (const auto& e : sample_log()) {
    ok(store.append_entry(e));
    ok(store.put_node(0, e.index, e.leaf_hash));
    if (e.index % 2 == 1) ok(store.put_node(1, e.index / 2, digest_of(0xC0 + static_cast<unsigned>(e.index / 2))));
  }
  ok(store.add_checkpoint(CheckpointRow{6, digest_of(0xD6), kT + 2000, to_bytes("{\"cp\":6}")}));
  ok(store.add_checkpoint(CheckpointRow{12, digest_of(0xDC), kT + 3000, to_bytes("{\"cp\":12}")}));
  ok(store.set_station_head(StationId("st-a"), StationHead{5, digest_of(0x88), kT + 80, {}}));
  ok(store.set_station_head(StationId("st-a"), StationHead{7, digest_of(0x8b), kT + 100, {}}));  // moves on
  ok(store.set_station_head(StationId("st-b"), StationHead{5, digest_of(0x8a), kT + 90, {}}));
  ok(store.put_release(release_of(0xB1, "1.2.0")));
  ok(store.put_release(release_of(0xB2, "1.3.0")));
  ok(store.add_finding(FindingRow{kT + 2000, kT + 50, StationId("st-a"), 4, 5, to_bytes("clone")}));
  ok(store.add_finding(FindingRow{kT + 2000, kT + 70, StationId("st-b"), 5, 7, to_bytes("scrapped")}));
  ok(store.add_finding(FindingRow{kT + 2500, 0, StationId("st-b"), 2, std::nullopt, to_bytes("gap")}));
  ok(store.commit());
}

std::string answers(EvidenceStore& store) {
  std::string out = fmt::format("size {}\n", ok(store.tree_size()));
  out += all_entries(store);
  for (std::uint64_t i = 0; i < 12; ++i) out += ok(store.node(0, i)).hex() + "\n";
  for (std::uint64_t i = 0; i < 6; ++i) out += ok(store.node(1, i)).hex() + "\n";
  if (auto c = ok(store.latest_checkpoint())) out += "latest " + describe(*c);
  for (std::uint64_t size : std::initializer_list<std::uint64_t>{0, 6, 12}) {
    if (auto c = ok(store.checkpoint_at(size))) out += describe(*c);
  }
  for (const auto& c : ok(store.checkpoints_between(kT, kT + 10'000))) out += describe(c);
  for (const char* station : {"st-a", "st-b", "st-c"}) {
    if (auto h = ok(store.station_head(StationId(station)))) {
      out += fmt::format("head {} {} {} {}\n", station, h->sequence, h->record_hash.hex(), h->last_event_unix);
    }
    for (std::uint64_t seq = 0; seq < 9; ++seq) {
      if (auto r = ok(store.station_record(StationId(station), seq))) {
        out += fmt::format("record {}/{} {} @{}\n", station, seq, r->first.hex(), r->second);
      }
    }
  }
  for (const char* serial : {"", "SN-1", "SN-2", "SN-3", "SN-5", "SN-0"}) {
    out += fmt::format("serial '{}': {}\n", serial,
                       describe(ok(store.unit_sightings(Serial(serial), HardwareId())).hardware_ids_of_serial));
  }
  for (const char* hw : {"", "HW-1", "HW-2", "HW-3", "HW-4", "HW-9"}) {
    const UnitSightings seen = ok(store.unit_sightings(Serial(), HardwareId(hw)));
    out += fmt::format("hw '{}': {}", hw, describe(seen.serials_of_hardware_id));
    const auto& scrap = seen.scrap;
    out += fmt::format(" scrap {}\n", scrap ? std::to_string(*scrap) : "-");
  }
  for (unsigned b : {0xB1U, 0xB2U, 0xB3U}) {
    if (auto r = ok(store.release(digest_of(b)))) {
      out += fmt::format("release {} {} {} {} {} {}\n", r->bundle_digest.hex(), r->sku, r->version,
                         r->promoted_unix, r->not_before_unix, r->not_after_unix);
    }
  }
  for (const auto& f : ok(store.findings_between(kT, kT + 10'000))) out += describe(f);
  for (const auto& [name, q] : sample_queries()) out += "query " + name + ":\n" + describe_query(store, q);
  return out;
}

void round_trip(Backend& backend) {
  auto store = backend.open();
  CHECK(ok(store->tree_size()) == 0);
  CHECK_FALSE(ok(store->latest_checkpoint()).has_value());
  fill(*store);

  CHECK(ok(store->tree_size()) == 12);
  std::string log;
  for (const auto& e : sample_log()) log += describe(e);
  CHECK(all_entries(*store) == log);
  std::string middle;
  ok(store->for_each_entry(3, 5, [&](const LogEntry& e) -> Result<void> {
    middle += describe(e);
    return {};
  }));
  CHECK(middle == describe(sample_entry(3)) + describe(sample_entry(4)));

  CHECK(ok(store->node(0, 7)) == sample_entry(7).leaf_hash);
  CHECK(ok(store->node(1, 5)) == digest_of(0xC5));

  const auto latest = ok(store->latest_checkpoint());
  REQUIRE(latest.has_value());
  CHECK(describe(*latest) == describe(CheckpointRow{12, digest_of(0xDC), kT + 3000, to_bytes("{\"cp\":12}")}));
  const auto at6 = ok(store->checkpoint_at(6));
  REQUIRE(at6.has_value());
  CHECK(at6->root_hash == digest_of(0xD6));
  CHECK_FALSE(ok(store->checkpoint_at(7)).has_value());
  const auto between = ok(store->checkpoints_between(kT + 2000, kT + 3000));  // end exclusive
  REQUIRE(between.size() == 1);
  CHECK(between[0].tree_size == 6);

  const auto head = ok(store->station_head(StationId("st-a")));
  REQUIRE(head.has_value());
  CHECK(head->sequence == 7);
  CHECK(head->record_hash == digest_of(0x8b));
  CHECK(head->last_event_unix == kT + 100);
  CHECK_FALSE(ok(store->station_head(StationId("st-z"))).has_value());

  const auto record = ok(store->station_record(StationId("st-b"), 3));
  REQUIRE(record.has_value());
  CHECK(record->first == sample_entry(6).record_hash);
  CHECK(record->second == 6);
  CHECK_FALSE(ok(store->station_record(StationId("st-b"), 6)).has_value());

  const auto release = ok(store->release(digest_of(0xB2)));
  REQUIRE(release.has_value());
  CHECK(release->sku == "widget");
  CHECK(release->version == "1.3.0");
  CHECK(release->not_after_unix == kT + 100'000);
  CHECK_FALSE(ok(store->release(digest_of(0xB3))).has_value());

  const auto findings = ok(store->findings_between(kT + 2000, kT + 2500));  // end exclusive
  REQUIRE(findings.size() == 2);
  CHECK(describe(findings[0]) == describe(FindingRow{kT + 2000, kT + 50, StationId("st-a"), 4, 5, to_bytes("clone")}));
  CHECK(describe(findings[1]) == describe(FindingRow{kT + 2000, kT + 70, StationId("st-b"), 5, 7, to_bytes("scrapped")}));
  const auto all_findings = ok(store->findings_between(kT, kT + 10'000));
  REQUIRE(all_findings.size() == 3);
  CHECK_FALSE(all_findings[2].log_index.has_value());
  CHECK(describe_query(*store, EntryQuery{}) == log);
}

void rollback_restores(Backend& backend) {
  auto store = backend.open();
  fill(*store);
  const std::string before = answers(*store);

  ok(store->begin());
  ok(store->append_entry(extra_entry()));
  ok(store->put_node(0, 12, extra_entry().leaf_hash));
  ok(store->put_node(2, 2, digest_of(0xEE)));
  ok(store->add_checkpoint(CheckpointRow{13, digest_of(0xDD), kT + 4000, to_bytes("{}")}));
  ok(store->set_station_head(StationId("st-a"), StationHead{99, digest_of(0xEE), kT + 4000, {}}));
  ok(store->set_station_head(StationId("st-c"), StationHead{1, digest_of(0xEE), kT + 4000, {}}));
  ok(store->put_release(release_of(0xB3, "2.0.0")));
  ok(store->add_finding(FindingRow{kT + 4000, 0, StationId("st-c"), 1, 12, to_bytes("x")}));
  CHECK(ok(store->tree_size()) == 13);
  store->rollback();

  CHECK(ok(store->tree_size()) == 12);
  CHECK(refused(store->node(0, 12)).code == ErrorCode::kInternal);
  CHECK(answers(*store) == before);
  // The next countersign starts from the restored size.
  ok(store->begin());
  ok(store->append_entry(extra_entry()));
  ok(store->commit());
  CHECK(ok(store->tree_size()) == 13);
}

// Units that received the same bundle and firmware share one firmware set; a set made
// inside a rolled-back transaction is made again by the next one (no dangling set id).
void firmware_sets(Backend& backend) {
  auto store = backend.open();
  fill(*store);
  LogEntry fresh = extra_entry();
  fresh.firmware = {digest_of(0x77), digest_of(0x78)};
  ok(store->begin());
  ok(store->append_entry(fresh));
  store->rollback();
  CHECK(describe_query(*store, where([](auto& w) { w.firmware = digest_of(0x77); })).empty());

  ok(store->begin());
  ok(store->append_entry(fresh));
  LogEntry same = fresh;
  same.index = 13;
  same.station_sequence = 2;
  same.serial = Serial("SN-10");
  same.hardware_id = HardwareId("HW-100");
  ok(store->append_entry(same));
  ok(store->commit());
  const std::string both = describe(fresh) + describe(same);
  CHECK(describe_query(*store, where([](auto& w) { w.firmware = digest_of(0x78); })) == both);
  CHECK(describe_query(*store, where([](auto& w) { w.serial = Serial("SN-10"); })) == describe(same));
  const Digest bundle = *Digest::from_bytes(fresh.bundle_digest);
  CHECK(describe_query(*store, where([&](auto& w) { w.firmware = bundle; })).find(both) !=
        std::string::npos);
}

// One export refused halfway through a batch: the writes after the savepoint go, those
// before it stay and commit; a released savepoint keeps its writes.
void savepoint_undoes_one_export(Backend& backend) {
  auto store = backend.open();
  fill(*store);
  ok(store->begin());
  ok(store->append_entry(extra_entry()));
  ok(store->savepoint());
  LogEntry refused = extra_entry();
  refused.index = 13;
  refused.station_sequence = 2;
  refused.firmware = {digest_of(0x79)};
  ok(store->append_entry(refused));
  ok(store->add_finding(FindingRow{kT + 4000, 0, StationId("st-c"), 1, 13, to_bytes("x")}));
  ok(store->rollback_to_savepoint());
  CHECK(ok(store->tree_size()) == 13);
  ok(store->savepoint());
  LogEntry kept = refused;
  kept.serial = Serial("SN-11");
  ok(store->append_entry(kept));
  ok(store->release_savepoint());
  ok(store->commit());
  CHECK(ok(store->tree_size()) == 14);
  CHECK(describe_query(*store, where([](auto& w) { w.station_id = StationId("st-c"); })) ==
        describe(extra_entry()) + describe(kept));
  CHECK(describe_query(*store, where([](auto& w) { w.firmware = digest_of(0x79); })) == describe(kept));
  CHECK(ok(store->findings_between(kT + 4000, kT + 4001)).empty());
}

void destroy_discards(Backend& backend) {
  auto store = backend.open();
  fill(*store);
  const std::string before = answers(*store);
  {
    auto writer = backend.open();
    ok(writer->begin());
    ok(writer->append_entry(extra_entry()));
    ok(writer->put_node(0, 12, extra_entry().leaf_hash));
    ok(writer->set_station_head(StationId("st-a"), StationHead{99, digest_of(0xEE), kT, {}}));
  }  // destroyed without commit
  store.reset();
  auto reopened = backend.open();
  CHECK(answers(*reopened) == before);
}

void writes_need_transaction(Backend& backend) {
  auto store = backend.open();
  const auto check_refused = [&](const Result<void>& r, const char* what) {
    INFO(what);
    const auto e = refused(r);
    CHECK(e.code == ErrorCode::kUsage);
    CHECK(e.message.find(store->location()) != std::string::npos);
    CHECK(e.message.find("outside a transaction") != std::string::npos);
  };
  const auto all_writes = [&] {
    check_refused(store->append_entry(sample_entry(0)), "append_entry");
    check_refused(store->put_node(0, 0, digest_of(1)), "put_node");
    check_refused(store->add_checkpoint(CheckpointRow{}), "add_checkpoint");
    check_refused(store->set_station_head(StationId("st-a"), StationHead{}), "set_station_head");
    check_refused(store->put_release(release_of(0xB1, "1")), "put_release");
    check_refused(store->add_finding(FindingRow{}), "add_finding");
  };
  all_writes();
  CHECK(refused(store->commit()).code == ErrorCode::kUsage);
  ok(store->begin());
  CHECK(refused(store->begin()).code == ErrorCode::kUsage);  // no nesting
  ok(store->append_entry(sample_entry(0)));
  ok(store->commit());
  all_writes();  // after commit as well
  CHECK(ok(store->tree_size()) == 1);
}

void wrong_index_refused(Backend& backend) {
  auto store = backend.open();
  ok(store->begin());
  auto e = refused(store->append_entry(sample_entry(1)));  // skips 0
  CHECK(e.code == ErrorCode::kUsage);
  CHECK(e.message.find("log index 1") != std::string::npos);
  ok(store->append_entry(sample_entry(0)));
  CHECK(refused(store->append_entry(sample_entry(0))).code == ErrorCode::kUsage);  // repeats 0
  CHECK(refused(store->append_entry(sample_entry(2))).code == ErrorCode::kUsage);
  ok(store->commit());  // a refused append changed nothing
  CHECK(ok(store->tree_size()) == 1);
  ok(store->begin());
  CHECK(refused(store->append_entry(sample_entry(0))).code == ErrorCode::kUsage);  // across commits
  ok(store->append_entry(sample_entry(1)));
  ok(store->commit());
  CHECK(ok(store->tree_size()) == 2);
}

void failed_write_poisons(Backend& backend) {
  auto store = backend.open();
  fill(*store);
  const std::string before = answers(*store);
  ok(store->begin());
  ok(store->set_station_head(StationId("st-c"), StationHead{1, digest_of(0xEE), kT, {}}));
  LogEntry duplicate = extra_entry();
  duplicate.station_id = StationId("st-a");
  duplicate.station_sequence = 1;  // journal record st-a/1 is already in the log
  // SQLite refuses the write at once; PostgreSQL pipelines writes and learns of the failure
  // at the next statement or, here, the commit, which names the write that failed.
  const auto appended = store->append_entry(duplicate);
  if (!appended) CHECK(appended.error().code == ErrorCode::kUsage);
  const auto e = refused(store->commit());
  CHECK(e.message.find("rolled back") != std::string::npos);
  if (appended) {
    CHECK(e.code == ErrorCode::kUsage);
    CHECK(e.message.find("INSERT INTO entries") != std::string::npos);
  }
  CHECK(answers(*store) == before);
  ok(store->begin());  // usable again
  ok(store->append_entry(extra_entry()));
  ok(store->commit());
}

void missing_node(Backend& backend) {
  auto store = backend.open();
  const auto e = refused(store->node(3, 7));
  CHECK(e.code == ErrorCode::kInternal);
  CHECK(e.message.find("level 3, index 7") != std::string::npos);
  CHECK(e.message.find(store->location()) != std::string::npos);
}

void reopen_keeps_data(Backend& backend) {
  auto store = backend.open();
  fill(*store);
  const std::string before = answers(*store);
  const std::string location = store->location();
  store.reset();
  auto reopened = backend.open();
  CHECK(reopened->location() == location);
  CHECK(answers(*reopened) == before);
}

void queries(Backend& backend) {
  auto store = backend.open();
  fill(*store);
  for (const auto& [name, q] : sample_queries()) {
    INFO(name);
    CHECK(describe_query(*store, q) == expected(q));
  }
  CHECK(expected(where([](auto& w) { w.firmware = digest_of(0x11); })).find("#1 ") != std::string::npos);
}

void listing_without_manifests(Backend& backend) {
  auto store = backend.open();
  fill(*store);
  for (const auto& [name, q] : sample_queries()) {
    INFO(name);
    EntryQuery listing = q;
    listing.manifests = false;
    std::string want;
    for (LogEntry e : sample_log()) {
      e.manifest.clear();
      std::string line = describe(e);
      if (expected(q).find(describe(sample_entry(e.index))) != std::string::npos) want += line;
    }
    CHECK(describe_query(*store, listing) == want);
  }
}

void damaged_kinds_refused(Backend& backend) {
  auto store = backend.open();
  fill(*store);
  backend.raw_exec("UPDATE entries SET finding_kinds = '12;x' WHERE idx = 5");
  std::string seen;
  const auto read = store->for_each_entry(0, 12, [&](const LogEntry& e) -> Result<void> {
    seen += std::to_string(e.index) + " ";
    return {};
  });
  REQUIRE_FALSE(read.has_value());
  CHECK(read.error().code == ErrorCode::kInternal);
  CHECK(read.error().message.find("entry 5") != std::string::npos);
  CHECK(seen == "0 1 2 3 4 ");
}

void stream_stops(Backend& backend) {
  auto store = backend.open();
  fill(*store);
  for (int pass = 0; pass < 2; ++pass) {
    int visits = 0;
    const auto visit = [&](const LogEntry&) -> Result<void> {
      if (++visits == 3) return fail(ErrorCode::kPolicyRefused, "stop here");
      return {};
    };
    auto r = pass == 0 ? store->for_each_entry(0, 12, visit) : store->query(EntryQuery{}, visit);
    const auto e = refused(r);
    CHECK(e.code == ErrorCode::kPolicyRefused);
    CHECK(e.message == "stop here");
    CHECK(visits == 3);
  }
  CHECK(all_entries(*store).size() > 0);  // the stopped streams left nothing open
}

void nested_calls(Backend& backend) {
  auto store = backend.open();
  fill(*store);
  for (bool in_transaction : {false, true}) {
    if (in_transaction) ok(store->begin());
    std::size_t visits = 0;
    ok(store->for_each_entry(0, 12, [&](const LogEntry& e) -> Result<void> {
      ++visits;
      CHECK(ok(store->node(0, e.index)) == e.leaf_hash);
      CHECK(ok(store->station_record(e.station_id, e.station_sequence))->second == e.index);
      if (!e.serial.empty()) {
        const auto by_serial = where([&](auto& w) { w.serial = e.serial; });
        CHECK(describe_query(*store, by_serial) == expected(by_serial));
      }
      return {};
    }));
    CHECK(visits == 12);
    if (in_transaction) {
      ok(store->append_entry(extra_entry()));
      store->rollback();
    }
  }
}

}  // namespace hallmark::evidence::test::scenario

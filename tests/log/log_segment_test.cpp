// hallmark-verify log's library check (verify_log_segment) on segments cut from a small log
// built in the test. Each refusal test is named after the attack or fault it stops.
#include "verifier/log/log_segment.h"

#include <doctest/doctest.h>

#include "tests/log/evidence_fixture.h"
#include "tests/support/text.h"
#include "verifier/log/merkle.h"

namespace hv = hallmark::verifier;
namespace v1 = hallmark::v1;
namespace tt = hallmark::trust_testing;
using namespace hallmark::log_testing;
using hallmark::ErrorCode;
using hallmark::testing::contains;

namespace {

// Day one: entries 0..12; day two: 13..29.
TestLog two_days() {
  TestLog log;
  log.append_manifests(13, "D1-");
  log.append_manifests(17, "D2-");
  return log;
}

std::string refusal(const v1::LogSegment& segment,
                    const std::optional<v1::LogCheckpoint>& earlier = std::nullopt) {
  auto verified = hv::verify_log_segment(segment, trusted_root(), earlier);
  REQUIRE_FALSE(verified.has_value());
  CHECK(verified.error().code == ErrorCode::kVerificationFailed);
  return verified.error().message;
}

}  // namespace

TEST_CASE("consecutive day segments verify and chain") {
  const TestLog log = two_days();
  auto day1 = hv::verify_log_segment(log.segment(0, 13), trusted_root());
  REQUIRE_MESSAGE(day1.has_value(), day1.error().message);
  CHECK(day1->first_index == 0);
  CHECK(day1->entry_count == 13);
  CHECK(day1->last_index == 12);
  CHECK_FALSE(day1->previous.has_value());
  CHECK(day1->day == "2025-06-15");

  auto day2 = hv::verify_log_segment(log.segment(13, 30), trusted_root(), day1->checkpoint);
  REQUIRE_MESSAGE(day2.has_value(), day2.error().message);
  CHECK(day2->first_index == 13);
  CHECK(day2->entry_count == 17);
  CHECK(day2->last_index == 29);
  CHECK(day2->checkpoint.tree_size() == 30);
  REQUIRE(day2->previous.has_value());
  CHECK(day2->previous->tree_size() == 13);
}

TEST_CASE("segments at every split of a log verify, including empty ones") {
  const TestLog log = two_days();
  for (std::uint64_t first = 0; first <= 30; first += 3) {
    for (std::uint64_t end = first; end <= 30; end += 4) {
      auto v = hv::verify_log_segment(log.segment(first, end), trusted_root());
      CHECK_MESSAGE(v.has_value(), first, "..", end, ": ", v ? "" : v.error().message);
    }
  }
}

TEST_CASE("a segment with an entry removed is refused") {
  auto s = two_days().segment(13, 30);
  s.mutable_entries()->DeleteSubrange(5, 1);
  refusal(s);  // the checkpoint's size no longer matches
  // Removed and another appended so the count still matches.
  s = two_days().segment(13, 30);
  s.mutable_entries()->DeleteSubrange(5, 1);
  s.add_entries(s.entries(0));
  CHECK(contains(refusal(s), "removed, added, reordered or changed"));
}

TEST_CASE("a segment with entries reordered is refused") {
  auto s = two_days().segment(13, 30);
  s.mutable_entries()->SwapElements(2, 3);
  CHECK(contains(refusal(s), "reordered"));
}

TEST_CASE("a segment with an entry changed is refused") {
  auto s = two_days().segment(13, 30);
  std::string changed = s.entries(7);
  changed.back() = static_cast<char>(changed.back() ^ 0x01);
  *s.mutable_entries(7) = changed;
  CHECK(contains(refusal(s), "changed"));
}

TEST_CASE("a logged entry that is not a provisioning manifest is refused") {
  TestLog log = two_days();
  log.append(std::string("\xff\xff\xff", 3));
  CHECK(contains(refusal(log.segment(13, 31)), "not a ProvisioningManifest"));
}

TEST_CASE("a segment whose previous checkpoint does not match the given earlier segment is "
          "refused") {
  const TestLog log = two_days();
  // Another log (a fork) that also has 13 entries on day one.
  TestLog fork;
  fork.append_manifests(13, "F1-");
  auto forked_day1 = hv::verify_log_segment(fork.segment(0, 13), trusted_root());
  REQUIRE(forked_day1.has_value());
  CHECK(contains(refusal(log.segment(13, 30), forked_day1->checkpoint), "forked"));
  // A gap: the earlier segment ends at 10, this one continues 13.
  auto short_day = hv::verify_log_segment(log.segment(0, 10), trusted_root());
  REQUIRE(short_day.has_value());
  CHECK(contains(refusal(log.segment(13, 30), short_day->checkpoint), "missing"));
  // The first segment of a log continues nothing.
  CHECK(contains(refusal(log.segment(0, 13), short_day->checkpoint), "continues no earlier"));
}

TEST_CASE("a segment with wrong left hashes is refused") {
  auto s = two_days().segment(13, 30);
  std::string h = s.left_hashes(0);
  h[0] = static_cast<char>(h[0] ^ 0x01);
  *s.mutable_left_hashes(0) = h;
  CHECK(contains(refusal(s), "left hashes do not fold"));
  s = two_days().segment(13, 30);
  s.mutable_left_hashes()->RemoveLast();  // 13 = 1101b needs three
  CHECK(contains(refusal(s), "left hashes"));
  s = two_days().segment(13, 30);
  s.add_left_hashes(std::string(32, '\0'));
  CHECK(contains(refusal(s), "left hashes"));
  s = two_days().segment(13, 30);
  *s.mutable_left_hashes(1) = "short";
  CHECK(contains(refusal(s), "not 32"));
}

TEST_CASE("a segment with a tampered consistency proof is refused") {
  auto s = two_days().segment(13, 30);
  REQUIRE(s.consistency().hashes_size() > 0);
  std::string h = s.consistency().hashes(0);
  h[5] = static_cast<char>(h[5] ^ 0x01);
  *s.mutable_consistency()->mutable_hashes(0) = h;
  CHECK(contains(refusal(s), "rewritten"));
  s = two_days().segment(13, 30);
  s.mutable_consistency()->set_old_size(12);
  CHECK(contains(refusal(s), "consistency proof is from"));
}

TEST_CASE("a segment whose checkpoint or previous checkpoint is not the evidence key's is "
          "refused") {
  const TestLog log = two_days();
  auto s = log.segment(13, 30);
  s.set_checkpoint_envelope(checkpoint_json(30, log.root(30), {&tt::release_key()}));
  CHECK(contains(refusal(s), "EVIDENCE"));
  s = log.segment(13, 30);
  s.set_previous_checkpoint_envelope(checkpoint_json(13, log.root(13), {&tt::mallory()}));
  CHECK(contains(refusal(s), "previous checkpoint"));
}

TEST_CASE("a segment whose checkpoints do not match its index range is refused") {
  const TestLog log = two_days();
  auto s = log.segment(13, 30);
  s.set_previous_checkpoint_envelope(log.checkpoint(12));
  CHECK(contains(refusal(s), "starts at index 13"));
  s = log.segment(13, 30);
  s.set_checkpoint_envelope(log.checkpoint(29));
  CHECK(contains(refusal(s), "holds entries"));
  s = log.segment(0, 13);
  s.set_previous_checkpoint_envelope(log.checkpoint(0));
  CHECK(contains(refusal(s), "starts the log"));
}

// The promotion history keeps each promoted manifest beside its line, last_promoted() gives
// it back (and refuses one that was changed), and the approve ceremony diffs against it
// before the custodian's PIN is asked for.
#include "verifier/bundle/promotion_history.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "tests/bundle/bundle_test_support.h"
#include "tests/promote/promote_test_support.h"

using namespace hallmark;
using namespace hallmark::promote::testing;
using hallmark::testing::UiEvent;
namespace fs = std::filesystem;

namespace {

bool mentions(const Error& e, const std::string& part) {
  return e.message.find(part) != std::string::npos;
}

// Promotes `bundle` with alice's and bob's approvals; returns its bundle digest.
verifier::Digest promote_ok(const World& w, const fs::path& bundle, const std::string& out) {
  auto promoted = w.promote(bundle, {w.approval(bundle, "alice"), w.approval(bundle, "bob")}, out);
  REQUIRE_MESSAGE(promoted, (promoted ? "" : promoted.error().message));
  return promoted->verified.bundle_digest;
}

// Index of the first UI event of `kind`, or events.size().
std::size_t first(const RecordingUi& ui, UiEvent::Kind kind) {
  for (std::size_t i = 0; i < ui.events.size(); ++i) {
    if (ui.events[i].kind == kind) return i;
  }
  return ui.events.size();
}

}  // namespace

TEST_SUITE("softhsm") {
  TEST_CASE("a promotion stores its exact manifest, read-only, and last_promoted returns it") {
    World w;
    const auto bundle = w.make_bundle("r.bundle", "1.2.0", 3);
    const auto digest = promote_ok(w, bundle, "p.bundle");
    auto contents = bundle::read_bundle(bundle);
    REQUIRE(contents);

    const fs::path stored = w.path("history") / "combo-1" / (digest.hex() + ".bundle.pb");
    REQUIRE(fs::exists(stored));
    CHECK(bundle::testing::read_bytes(stored) == std::string(as_chars(contents->bundle_bytes)));
    const auto perms = fs::status(stored).permissions();
    CHECK((perms & (fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write)) ==
          fs::perms::none);

    auto last = promote::last_promoted(w.path("history"), "combo-1");
    REQUIRE_MESSAGE(last, (last ? "" : last.error().message));
    REQUIRE(last->has_value());
    CHECK((*last)->record.version == "1.2.0");
    CHECK((*last)->record.bundle_digest == digest);
    CHECK((*last)->bundle.version() == "1.2.0");
    CHECK((*last)->bundle_bytes == contents->bundle_bytes);

    // A second promotion becomes the last one.
    const auto newer = w.make_bundle("r2.bundle", "1.3.0", 3, "rm-erin", 2);
    const auto newer_digest = promote_ok(w, newer, "p2.bundle");
    last = promote::last_promoted(w.path("history"), "combo-1");
    REQUIRE(last);
    REQUIRE(last->has_value());
    CHECK((*last)->record.bundle_digest == newer_digest);
    CHECK((*last)->bundle.version() == "1.3.0");

    auto none = promote::last_promoted(w.path("history"), "other-sku");
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
  }

  TEST_CASE("a stored manifest whose bytes were changed is refused, and a missing one too") {
    World w;
    const auto bundle = w.make_bundle("r.bundle");
    const auto digest = promote_ok(w, bundle, "p.bundle");
    const fs::path stored = promote::stored_manifest_path(w.path("history"), "combo-1", digest);
    std::string bytes = bundle::testing::read_bytes(stored);
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
    fs::permissions(stored, fs::perms::owner_write, fs::perm_options::add);
    bundle::testing::write_bytes(stored, bytes);

    auto r = promote::last_promoted(w.path("history"), "combo-1");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kVerificationFailed);
    CHECK(mentions(r.error(), "it was changed"));
    CHECK(mentions(r.error(), digest.hex()));

    fs::remove(stored);
    r = promote::last_promoted(w.path("history"), "combo-1");
    REQUIRE_FALSE(r);
    CHECK(mentions(r.error(), "no stored manifest"));

    auto missing_dir = promote::last_promoted(w.path("no-such-history"), "combo-1");
    REQUIRE_FALSE(missing_dir);
    CHECK(missing_dir.error().code == ErrorCode::kIo);
  }

  TEST_CASE("approve with a history shows the diff against the last promoted before the PIN") {
    World w;
    const auto first_bundle = w.make_bundle("r1.bundle", "1.2.0", 3);
    fs::create_directories(w.path("history"));
    RecordingUi first_ui;
    REQUIRE(w.approve(first_bundle, "alice", first_ui, "production", w.path("history")));
    const std::size_t first_shown = first(first_ui, UiEvent::Kind::kShowSigning);
    REQUIRE(first_shown < first_ui.events.size());
    CHECK(first_ui.events[first_shown].text.find("First promotion for SKU combo-1") !=
          std::string::npos);

    const auto old_digest = promote_ok(w, first_bundle, "p1.bundle");
    const auto next = w.make_bundle("r2.bundle", "1.3.0", 4, "rm-erin", 2);
    RecordingUi ui;
    auto approved = w.approve(next, "carol", ui, "production", w.path("history"));
    REQUIRE_MESSAGE(approved, (approved ? "" : approved.error().message));
    const std::size_t shown = first(ui, UiEvent::Kind::kShowSigning);
    const std::size_t asked = first(ui, UiEvent::Kind::kAskPin);
    REQUIRE(shown < asked);
    const std::string& review = ui.events[shown].text;
    INFO(review);
    CHECK(review.find("the last promoted for SKU combo-1 (version 1.2.0") != std::string::npos);
    CHECK(review.find(old_digest.hex()) != std::string::npos);
    CHECK(review.find("version: 1.2.0 -> 1.3.0") != std::string::npos);
    CHECK(review.find("security counter: 3 -> 4") != std::string::npos);
  }

}  // TEST_SUITE

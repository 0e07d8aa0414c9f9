// Three lists of station events, kept in three places for good reasons, that must not drift:
// the events that bind a serial to a hardware id (the store's kBindingEvents), the events
// checked against those bindings (countersign's is_unit_event) and the events that are
// exceptions in themselves (kExceptionEvents: query --exceptions, the report). Every event
// of the proto is classified here: a new event fails this test until someone decides where
// it belongs, and a list changed in one place alone fails it too.
#include <doctest/doctest.h>

#include <algorithm>
#include <iterator>
#include <map>

#include "hallmark/station.pb.h"
#include "signer/evidence/event_findings.h"
#include "signer/store/evidence_store.h"
#include "signer/store/store_statements.h"

namespace hallmark::evidence {
namespace {

struct EventClass {
  bool binds;      // makes a serial <-> hardware id binding
  bool unit;       // checked against the bindings (clones, scraps)
  bool exception;  // an exception in itself
};

TEST_CASE("every station event is classified once: binding, checked as a unit, exception") {
  using E = v1::Attestation;
  const std::map<int, EventClass> expected = {
      {E::PROGRAM, {true, true, false}},
      {E::REWORK, {true, true, true}},
      {E::SCRAP, {true, true, true}},
      {E::LINE_STOP, {false, false, true}},  // the refused label and board bind nothing
      {E::BREAK_GLASS, {false, false, true}},
      {E::SESSION_START, {false, false, false}},
      {E::SESSION_END, {false, false, false}},
      {E::TAKE_OVER, {true, true, true}},
      {E::OPERATOR_ENROLLED, {false, false, false}},
      {E::ROSTER_INSTALLED, {false, false, false}},
      {E::JOURNAL_REPAIRED, {false, false, false}},
      {E::REVOCATION_INSTALLED, {false, false, false}},
      {E::RMA_RECEIVED, {false, true, true}},  // checked, but a failed return binds nothing
  };
  const auto* events = E::Event_descriptor();
  int classified = 0;
  for (int i = 0; i < events->value_count(); ++i) {
    const int number = events->value(i)->number();
    if (number == E::EVENT_UNSPECIFIED) continue;
    CAPTURE(events->value(i)->name());
    const auto it = expected.find(number);
    REQUIRE_MESSAGE(it != expected.end(), "a new station event: classify it here and in the lists");
    ++classified;
    const auto event = static_cast<E::Event>(number);
    CHECK(statements::is_binding_event(number) == it->second.binds);
    CHECK(is_unit_event(event) == it->second.unit);
    const bool exception = std::find(std::begin(kExceptionEvents), std::end(kExceptionEvents),
                                     number) != std::end(kExceptionEvents);
    CHECK(exception == it->second.exception);
    // An event that makes a binding is checked against the bindings before it.
    if (it->second.binds) CHECK(it->second.unit);
  }
  CHECK(classified == static_cast<int>(expected.size()));
}

}  // namespace
}  // namespace hallmark::evidence

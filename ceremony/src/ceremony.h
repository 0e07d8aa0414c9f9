// What every ceremony (init, enroll-station, rotate, revoke) takes and gives back.
//
// A ceremony never reads the clock itself: the caller passes one (the CLI the real clock,
// tests a fixed one), and document times are taken once at the start. A ceremony never
// writes files either: it returns the produced document, already verified with the
// verifier's own rules, or the error that refused it, and in both cases the signed
// transcript; outputs.h writes them. Library calls never throw.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ceremony/src/ceremony_ui.h"
#include "hallmark/dsse.pb.h"
#include "verifier/core/error.h"

namespace hallmark::ceremony {

// Seconds since the Unix epoch.
using Clock = std::function<int64_t()>;
Clock system_clock();

struct CeremonyContext {
  CeremonyUi& ui;
  Clock clock;
  // Custodians at the table (by name); empty: everyone the plan names. A name given
  // twice counts once.
  std::vector<std::string> present;
};

struct CeremonyOutcome {
  std::string ceremony;                 // "init", "enroll-station", "rotate", "revoke"
  std::optional<v1::Envelope> document; // set only when verified and nothing refused
  std::string document_type;            // "trust-root", "station-registration", ...
  uint64_t version = 0;                 // trust root version produced (init, rotate) or
                                        // ran under (enroll-station, revoke)
  std::optional<Error> error;           // why the ceremony refused or failed
  v1::Envelope transcript;              // always; signed by the participating custodians
  bool ok() const noexcept { return document.has_value() && !error; }
};

}  // namespace hallmark::ceremony

// What the operator console shows, as plain values: the line's state after every action,
// one step's progress, and one unit's outcome. The line engine (worker thread) fills them
// from the station libraries and sends them to the window by queued signals, so the window
// never touches the line, its tokens or its journal. No logic: the rules live in
// hallmark::station (unit_programmer.h, person_events.h). Plain copyable values.
#pragma once

#include <cstdint>

#include <QMetaType>
#include <QMap>
#include <QString>
#include <QStringList>

namespace hallmark::station::console {

// Counters of the operator's shift: events since the session started at this console (or,
// for a session that was already open when the console started, since the console opened).
struct ShiftCounters {
  std::uint64_t passed = 0;
  std::uint64_t failed = 0;
  std::uint64_t line_stops = 0;
};

// The bundle being programmed, as the station verified it (LoadedRelease / VerifiedRelease).
struct BundleView {
  bool loaded = false;
  QString error;           // why no bundle is loaded
  QString sku;
  QString version;
  std::uint64_t security_counter = 0;
  QString channel;
  QString digest;          // bundle digest, hex
  QStringList approvers;   // distinct custodians who approved its promotion
  std::uint32_t threshold = 0;
  QStringList plan_steps;  // the provisioning plan, in order, then "measure and attest"
};

struct LineSnapshot {
  bool open = false;
  QString open_error;  // why the line could not be opened
  QString station_id;
  QString operator_name;  // empty: nobody logged in
  QString session_id;
  bool stopped = false;
  std::uint64_t stop_sequence = 0;
  QString stop_cause;
  std::uint64_t journal_records = 0;
  ShiftCounters shift;
  BundleView bundle;
  // Each offered card's holder by the roster in force ("sam · supervisor"), read from the
  // card's public key at open without a PIN; or why not ("not on roster v2").
  QMap<QString, QString> card_holders;
};

struct StepUpdate {
  int step = 0;   // 1-based; steps + 1 is the final measurement and attestation
  int steps = 0;
  QString what;
  int percent = 0;  // of this step (0 for steps without a byte count until they end)
};

enum class UnitState { kPass, kFail, kLineStopped, kRefused };

struct UnitReport {
  UnitState state = UnitState::kRefused;
  QString serial;
  QString hardware_id;
  QString detail;             // why it failed, stopped or was refused
  std::uint64_t sequence = 0;  // its journal record (0 when refused: nothing recorded)
  bool rework = false;         // a rework of a unit this station knows, not a first program
  bool wrong_device = false;   // FAIL: not the bundle's part, nothing written; no rework
};

}  // namespace hallmark::station::console

Q_DECLARE_METATYPE(hallmark::station::console::LineSnapshot)
Q_DECLARE_METATYPE(hallmark::station::console::StepUpdate)
Q_DECLARE_METATYPE(hallmark::station::console::UnitReport)

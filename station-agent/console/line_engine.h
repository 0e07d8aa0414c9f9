// LineEngine: the operator console's one way to the programming line. It lives on a worker
// thread (ConsoleThread moves it there) and is the only user of the StationLine, its
// station token, the loaded bundle, the devices and the person cards: the station
// libraries are not thread-safe, so nothing else touches them. The window calls its slots
// by queued invocations and hears back through queued signals carrying plain values
// (console_types.h).
//
// Thin over the same library calls as hallmark-station: load_release, program_unit (its
// StepProgress turned into StepUpdate signals), start_session / end_session, break_glass,
// open_card. Every rule — session required, line stop, binding conflicts, supervisor-only
// release, reason required, journal before PASS — is the library's. Person cards are
// opened for one action (login or break-glass) and closed right after; their PIN reaches
// the token layer through a PinPipe and the Pin is wiped when the action ends. Never
// reads key material. Not thread-safe: every slot runs on the engine's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <QMap>
#include <QObject>
#include <QThread>

#include "hsm-profiles/cli/token_options.h"
#include "hsm-profiles/src/pin.h"
#include "station-agent/console/console_types.h"
#include "station-agent/station/station_line.h"
#include "station-agent/station/unit_programmer.h"

namespace hallmark::station::console {

// The open line, kept alive by whatever owns it (the station token session, say).
using LineHandle = std::shared_ptr<StationLine>;
// Opens the line; called once, on the engine's thread.
using LineOpener = std::function<Result<LineHandle>()>;

struct EngineOptions {
  LineOpener open_line;
  std::string bundle;           // SKU or bundle digest, as `hallmark-station program --bundle`
  hsm::TokenOptions card;       // profile and module of the person cards (uri and pin unused)
  QStringList cards;            // the cards offered at the dialogs: their holders are shown
};

class LineEngine : public QObject {
  Q_OBJECT

 public:
  explicit LineEngine(EngineOptions options);
  ~LineEngine() override;

  // Each runs the action and reports with the signals below; never throws.
  void open();
  void login(const QString& card_uri, std::shared_ptr<hsm::Pin> pin);
  void logout();
  void program(const QString& serial, const QString& device_uri);
  // Programs a unit this station knows again (same serial, same hardware id), with the
  // operator's reason, as `hallmark-station rework`.
  void rework(const QString& serial, const QString& device_uri, const QString& reason);
  void breakGlass(const QString& card_uri, std::shared_ptr<hsm::Pin> pin, const QString& reason);
  // Lets go of the line (and with it the journal's lock and the station token).
  void close();

 signals:
  void snapshotChanged(const hallmark::station::console::LineSnapshot& snapshot);
  void unitStarted(const QString& serial);
  void stepProgress(const hallmark::station::console::StepUpdate& update);
  void unitFinished(const hallmark::station::console::UnitReport& report);
  // A person action (login, logout, break-glass) refused or failed, in words for people.
  void actionFailed(const QString& action, const QString& message);
  void actionDone(const QString& action, const QString& message);

 private:
  void run_unit(const QString& action, const QString& device_uri, const UnitRequest& request);
  // "sam · supervisor" for the card at `uri` by the roster in force, or why it is unknown.
  [[nodiscard]] QString card_holder(const QString& uri) const;
  LineSnapshot snapshot() const;
  void publish();
  void rebase_shift();
  template <typename Fn>
  void guarded(const QString& action, Fn&& fn);
  // Opens the card `card_uri` with `pin` (carried on a pipe, then wiped) and calls
  // use(signer) while it is open; any failure becomes actionFailed(action, ...).
  template <typename Use>
  void with_card(const QString& action, const QString& card_uri, std::shared_ptr<hsm::Pin> pin,
                 Use&& use);

  EngineOptions options_;
  LineHandle line_;
  std::optional<LoadedRelease> release_;
  QString open_error_;
  QMap<QString, QString> card_holders_;  // read at open (card_holder())
  QString release_error_;
  EventCounts shift_base_;
};

// Owns the engine's worker thread: starts it, and on destruction closes the line on that
// thread, then stops and joins it.
class ConsoleThread {
 public:
  explicit ConsoleThread(EngineOptions options);
  ~ConsoleThread();
  ConsoleThread(const ConsoleThread&) = delete;
  ConsoleThread& operator=(const ConsoleThread&) = delete;

  [[nodiscard]] LineEngine* engine() const noexcept { return engine_; }
  // Runs `fn` on the engine's thread, later (queued).
  void post(std::function<void(LineEngine&)> fn) const;

 private:
  QThread thread_;
  LineEngine* engine_;  // deleted on its own thread when the thread finishes
};

// Registers the console's value types for queued signals (once; idempotent).
void register_console_types();

}  // namespace hallmark::station::console

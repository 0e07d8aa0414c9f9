// CustodianWindow: the custodians' console. Tabs: open a ceremony, walk it (CeremonyPage),
// read a transcript (TranscriptPage); the token panel on the right; a full-width banner on
// top for refusals (red, the library's own message) and warnings (amber).
//
// Starting a ceremony hands the form's request to launch_ceremony() with a QtCeremonyUi:
// the library decides order, retries and refusals, the window only shows them. Keyboard:
// Ctrl+O open, Ctrl+G ceremony, Ctrl+T transcript, Ctrl+Return start, F5 refresh tokens,
// Ctrl+Q quit. Default size 1280×800, fonts ≥ 11 pt. GUI thread only.
#pragma once

#include <QMainWindow>

#include <functional>
#include <optional>

#include "ceremony/console/ceremony_launcher.h"
#include "ceremony/src/ceremony.h"

class QLabel;
class QTabWidget;

namespace hallmark::ceremony::console {

class CeremonyPage;
class OpenCeremonyPage;
class PinDialog;
class TokenPanel;
class TranscriptPage;

class CustodianWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit CustodianWindow(QWidget* parent = nullptr);

  // The ceremonies' clock (tests fix it; default: the system clock).
  void set_clock(Clock clock);

  OpenCeremonyPage* open_page() const noexcept { return open_; }
  CeremonyPage* ceremony_page() const noexcept { return ceremony_; }
  TranscriptPage* transcript_page() const noexcept { return transcript_; }
  TokenPanel* token_panel() const noexcept { return tokens_; }
  QTabWidget* tabs() const noexcept { return tabs_; }
  QString banner_text() const;
  bool banner_is_refusal() const noexcept { return banner_refusal_; }
  bool running() const noexcept { return running_; }
  // The last ceremony's result (absent when it could not start).
  const std::optional<LaunchResult>& last_result() const noexcept { return last_; }

 public slots:
  // Runs the ceremony the open page describes; returns when it has finished.
  void start_ceremony();
  void watch_plan(const QString& path);

 signals:
  void pinDialogOpened(hallmark::ceremony::console::PinDialog* dialog);
  void pinDialogClosed(hallmark::ceremony::console::PinDialog* dialog);
  void ceremonyFinished(bool ok);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void show_banner(const QString& text, bool refusal);
  void hide_banner();

  OpenCeremonyPage* open_ = nullptr;
  CeremonyPage* ceremony_ = nullptr;
  TranscriptPage* transcript_ = nullptr;
  TokenPanel* tokens_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  QLabel* banner_ = nullptr;
  bool banner_refusal_ = false;
  bool running_ = false;
  Clock clock_;
  std::optional<LaunchResult> last_;
};

}  // namespace hallmark::ceremony::console

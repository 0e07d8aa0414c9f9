// OperatorWindow: the station operator's screen. A scan field that a barcode scanner types
// into (focused whenever the line is idle; Enter submits the serial), the device the unit
// sits in, a very large state (LOG IN / READY / PROGRAMMING / PASS / FAIL / LINE STOPPED),
// a progress bar per step of the bundle's provisioning plan, the shift's counters, the
// bundle being programmed (SKU, version, digest, approvals) always in view, and operator
// login/logout with their card. A stopped line shows a full-width red banner and disables
// the scan field until a supervisor releases it with their card and a reason.
//
// Holds no rule and never touches the line: every action is posted to the LineEngine on
// its worker thread and the window only shows what the engine reports (console_types.h).
// Keyboard only: F2 log in, F3 log out, F5 rework the unit that just failed (with a reason),
// F9 supervisor release, Alt+D the device, Enter submits a scan. GUI thread only.
#pragma once

#include <vector>

#include <QMainWindow>
#include <QInputDialog>
#include <QPointer>
#include <QStringList>

#include "station-agent/console/console_types.h"

class QComboBox;
class QFrame;
class QResizeEvent;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QGridLayout;
class QVBoxLayout;

namespace hallmark::station::console {

class CardDialog;
class ConsoleThread;

struct WindowOptions {
  QStringList devices;  // sim:SOCKET or cmd:CONFIG, the first selected; shown by name
  QStringList cards;    // pkcs11: URIs offered in the card dialogs
};

class OperatorWindow : public QMainWindow {
  Q_OBJECT

 public:
  // `line` must outlive the window. Opens the line (on the engine's thread) at once.
  OperatorWindow(ConsoleThread& line, WindowOptions options, QWidget* parent = nullptr);
  ~OperatorWindow() override;

  // The state shown: "starting", "login", "ready", "programming", "pass", "fail",
  // "refused" or "stopped" (also the state label's "state" property).
  [[nodiscard]] QString display_state() const;
  // True while an action is running on the line.
  [[nodiscard]] bool busy() const noexcept { return busy_; }
  [[nodiscard]] const LineSnapshot& snapshot() const noexcept { return snapshot_; }
  // The card dialog on screen, if any.
  [[nodiscard]] CardDialog* card_dialog() const { return dialog_; }
  // The rework reason dialog on screen, if any.
  [[nodiscard]] QInputDialog* rework_dialog() const { return rework_dialog_; }

  void start_login();
  void start_logout();
  void start_break_glass();
  // Reworks the unit whose FAIL is on screen, on the device chosen, after asking the reason.
  void start_rework();
  void submit_scan();
  // The device URI chosen: a listed device's URI, or what was typed.
  [[nodiscard]] QString device_uri() const;

 private:
  void open_card_dialog();  // the login or break-glass dialog; dropped when it closes
  struct StepRow {
    QLabel* name;
    QProgressBar* bar;
  };

  void build();
  void build_status_area(QWidget* central, QVBoxLayout* root);
  void build_unit_area(QWidget* central, QVBoxLayout* root);
  void connect_controls();
  void on_snapshot(const LineSnapshot& snapshot);
  void on_unit_started(const QString& serial);
  void on_step(const StepUpdate& update);
  void on_unit_finished(const UnitReport& report);
  void on_action_failed(const QString& action, const QString& message);
  void on_action_done(const QString& action, const QString& message);
  void set_display(const char* state, const QString& big, const QString& detail);
  void set_message(const QString& text, bool error);
  void rebuild_steps(const QStringList& names);
  void refresh_controls();
  void show_idle_state();
  void fit_banner();
  void start_unit(const QString& serial, const QString& message);
  // "N. what" for a plan step; the final measurement and attestation is not numbered.
  [[nodiscard]] QString step_label(int step, const QString& what) const;
  void resizeEvent(QResizeEvent* event) override;

  ConsoleThread& line_;
  WindowOptions options_;
  LineSnapshot snapshot_;
  bool busy_ = true;  // until the line is open
  bool have_result_ = false;  // a PASS/FAIL/refusal is on screen until the next scan
  QPointer<CardDialog> dialog_;
  QPointer<QInputDialog> rework_dialog_;

  QLabel* station_ = nullptr;
  QLabel* operator_ = nullptr;
  QPushButton* login_ = nullptr;
  QPushButton* logout_ = nullptr;
  QLabel* bundle_ = nullptr;
  QFrame* banner_ = nullptr;
  QLabel* banner_text_ = nullptr;
  QPushButton* release_ = nullptr;
  QPushButton* rework_ = nullptr;
  QString failed_serial_;  // the unit whose FAIL is on screen, until the next scan
  QLineEdit* scan_ = nullptr;
  QComboBox* device_ = nullptr;
  QLabel* state_ = nullptr;
  QLabel* detail_ = nullptr;
  QGridLayout* steps_layout_ = nullptr;
  std::vector<StepRow> steps_;
  QStringList step_names_;
  int current_step_ = 0;
  QString current_serial_;
  QLabel* passed_ = nullptr;
  QLabel* failed_ = nullptr;
  QLabel* stops_ = nullptr;
  QLabel* message_ = nullptr;
};

}  // namespace hallmark::station::console

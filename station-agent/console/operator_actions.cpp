// OperatorWindow's actions (operator_window.h): what a scan, F2, F3, F5 and F9 start. Each
// asks what it needs (a card and PIN, a reason) in a dialog, then posts the action to the
// LineEngine on its worker thread; the window shows what the engine reports.
#include "station-agent/console/operator_window.h"

#include <memory>

#include <QComboBox>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>

#include "station-agent/console/card_dialog.h"
#include "station-agent/console/console_style.h"
#include "station-agent/console/line_engine.h"

namespace hallmark::station::console {

void OperatorWindow::submit_scan() {
  if (!scan_->isEnabled() || busy_) return;
  const QString serial = scan_->text().trimmed();
  scan_->clear();
  if (serial.isEmpty()) return;
  const QString device = device_uri();
  if (device.isEmpty()) {
    set_message(tr("Choose the device the unit sits in (Alt+D)"), true);
    return;
  }
  failed_serial_.clear();
  start_unit(serial, tr("Programming %1 on %2").arg(serial, device_->currentText()));
  line_.post([serial, device](LineEngine& e) { e.program(serial, device); });
}

void OperatorWindow::start_unit(const QString& serial, const QString& message) {
  busy_ = true;
  have_result_ = false;
  refresh_controls();
  set_display("programming", tr("PROGRAMMING"), tr("serial %1 — starting").arg(serial));
  for (auto& row : steps_) {
    row.bar->setValue(0);
    set_state_property(row.name, "pending");
  }
  current_step_ = 0;
  current_serial_ = serial;
  set_message(message, false);
}

void OperatorWindow::start_rework() {
  if (busy_ || !rework_->isEnabled() || !dialog_.isNull() || !rework_dialog_.isNull()) return;
  const QString serial = failed_serial_;
  rework_dialog_ = new QInputDialog(this);
  rework_dialog_->setObjectName(QStringLiteral("reworkDialog"));
  rework_dialog_->setWindowTitle(tr("Rework %1").arg(serial));
  rework_dialog_->setLabelText(tr("%1 is programmed again on %2. Why? (recorded in the journal "
                                  "with your session)").arg(serial, device_->currentText()));
  rework_dialog_->setOkButtonText(tr("Rework"));
  rework_dialog_->setStyleSheet(console_style_sheet());
  connect(rework_dialog_, &QInputDialog::textValueSelected, this, [this, serial](const QString& text) {
    const QString reason = text.trimmed();
    if (reason.isEmpty()) {
      set_message(tr("%1 was not reworked: a rework needs a reason").arg(serial), true);
      return;
    }
    const QString device = device_uri();
    start_unit(serial, tr("Reworking %1 on %2: %3").arg(serial, device_->currentText(), reason));
    line_.post([serial, device, reason](LineEngine& e) { e.rework(serial, device, reason); });
  });
  connect(rework_dialog_, &QDialog::finished, this, [this] {
    rework_dialog_->deleteLater();
    rework_dialog_ = nullptr;
    activateWindow();
    refresh_controls();
  });
  rework_dialog_->open();
}

void OperatorWindow::start_login() {
  if (busy_ || !dialog_.isNull() || !snapshot_.open) return;
  dialog_ = new CardDialog(CardDialog::Purpose::kLogin, options_.cards,
                           snapshot_.operator_name.isEmpty()
                               ? QString()
                               : tr("%1 is logged in: logging in ends that session.")
                                     .arg(snapshot_.operator_name),
                           this, snapshot_.card_holders);
  dialog_->setStyleSheet(console_style_sheet());
  connect(dialog_, &QDialog::accepted, this, [this] {
    const QString card = dialog_->card_uri();
    auto pin = std::make_shared<hsm::Pin>(dialog_->take_pin());
    busy_ = true;
    refresh_controls();
    set_message(tr("Checking the card %1…").arg(card), false);
    line_.post([card, pin](LineEngine& e) { e.login(card, pin); });
  });
  open_card_dialog();
}

// Shows the card dialog; when it closes, however, it is dropped and the keys go back to
// the console (and its scan field).
void OperatorWindow::open_card_dialog() {
connect(dialog_, &QDialog::finished, this, [this] {
    dialog_->deleteLater();
    dialog_ = nullptr;
    activateWindow();  // the keys go back to the console (and its scan field)
    refresh_controls();
  });
  dialog_->open();
}

void OperatorWindow::start_logout() {
  if (busy_ || !dialog_.isNull() || snapshot_.operator_name.isEmpty()) return;
  busy_ = true;
  have_result_ = false;
  refresh_controls();
  line_.post([](LineEngine& e) { e.logout(); });
}

void OperatorWindow::start_break_glass() {
  if (busy_ || !dialog_.isNull() || !snapshot_.stopped) return;
  dialog_ = new CardDialog(CardDialog::Purpose::kBreakGlass, options_.cards,
                           tr("The line stopped at record %1: %2\nOnly a supervisor's card "
                              "releases it. The reason is recorded in the journal.")
                               .arg(snapshot_.stop_sequence)
                               .arg(snapshot_.stop_cause),
                           this, snapshot_.card_holders);
  dialog_->setStyleSheet(console_style_sheet());
  connect(dialog_, &QDialog::accepted, this, [this] {
    const QString card = dialog_->card_uri();
    const QString reason = dialog_->reason();
    auto pin = std::make_shared<hsm::Pin>(dialog_->take_pin());
    busy_ = true;
    refresh_controls();
    set_message(tr("Checking the supervisor's card %1…").arg(card), false);
    line_.post([card, pin, reason](LineEngine& e) { e.breakGlass(card, pin, reason); });
  });
  open_card_dialog();
}

}  // namespace hallmark::station::console

#include "station-agent/console/operator_window.h"

#include <algorithm>
#include <memory>
#include <utility>

#include <QApplication>
#include <QComboBox>
#include <QFrame>
#include <QGridLayout>
#include <QGroupBox>
#include <QSizePolicy>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QStatusBar>
#include <QVBoxLayout>

#include "station-agent/console/card_dialog.h"
#include "station-agent/console/console_style.h"
#include "station-agent/console/line_engine.h"
#include "station-agent/console/named_choice.h"

namespace hallmark::station::console {
namespace {

// What an operator reads in the device list: the kind of device and its short name, not a
// socket path or a config path (the full URI is the item's tooltip and data).
QString device_name(const QString& uri) {
  const QString path = uri.section(QLatin1Char(':'), 1);
  const QString base = QFileInfo(path).completeBaseName();
  if (uri.startsWith(QLatin1String("sim:"))) {
    // A simulator socket is usually <unit>/dev.sock: its folder names the unit.
    const QString folder = QFileInfo(QFileInfo(path).path()).fileName();
    return QObject::tr("Simulator · %1").arg(base == QLatin1String("dev") && !folder.isEmpty() ? folder : base);
  }
  if (uri.startsWith(QLatin1String("cmd:"))) return QObject::tr("Programmer · %1").arg(base);
  return uri;
}

QLabel* counter_label(QWidget* parent, const char* name) {
  auto* label = new QLabel(parent);
  label->setObjectName(QLatin1String(name));
  label->setProperty("role", QStringLiteral("counter"));
  return label;
}

}  // namespace

OperatorWindow::OperatorWindow(ConsoleThread& line, WindowOptions options, QWidget* parent)
    : QMainWindow(parent), line_(line), options_(std::move(options)) {
  setObjectName(QStringLiteral("operatorWindow"));
  setWindowTitle(tr("Hallmark station — operator console"));
  setStyleSheet(console_style_sheet());
  resize(kDefaultWidth, kDefaultHeight);
  build();

  LineEngine* engine = line_.engine();
  connect(engine, &LineEngine::snapshotChanged, this, &OperatorWindow::on_snapshot);
  connect(engine, &LineEngine::unitStarted, this, &OperatorWindow::on_unit_started);
  connect(engine, &LineEngine::stepProgress, this, &OperatorWindow::on_step);
  connect(engine, &LineEngine::unitFinished, this, &OperatorWindow::on_unit_finished);
  connect(engine, &LineEngine::actionFailed, this, &OperatorWindow::on_action_failed);
  connect(engine, &LineEngine::actionDone, this, &OperatorWindow::on_action_done);

  set_display("starting", tr("STARTING"), tr("Opening the line on the station token…"));
  refresh_controls();
  line_.post([](LineEngine& e) { e.open(); });
}

OperatorWindow::~OperatorWindow() = default;

void OperatorWindow::build() {
  auto* central = new QWidget(this);
  auto* root = new QVBoxLayout(central);
  root->setSpacing(10);

  build_status_area(central, root);
  build_unit_area(central, root);
  setCentralWidget(central);

  // Long texts (paths, digests, device errors) wrap or are cut inside the window; they
  // never make it larger than the 1280×800 screen it is meant for.
  // Only the horizontal policy changes: a word-wrapped label keeps its height-for-width,
  // so the line-stop banner grows to show all of its lines.
  for (QLabel* label : {bundle_, banner_text_, detail_, message_, state_}) {
    QSizePolicy policy = label->sizePolicy();
    policy.setHorizontalPolicy(QSizePolicy::Ignored);
    label->setSizePolicy(policy);
  }
  detail_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
  detail_->setMinimumHeight(110);
  message_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
  message_->setMinimumHeight(48);
  device_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  device_->setMinimumContentsLength(24);

  connect_controls();
  rebuild_steps({});
}

// The station and who is logged in, the accepted bundle, and the line-stop banner.
void OperatorWindow::build_status_area(QWidget* central, QVBoxLayout* root) {
  auto* top = new QHBoxLayout();
  station_ = new QLabel(central);
  station_->setObjectName(QStringLiteral("stationLabel"));
  operator_ = new QLabel(central);
  operator_->setObjectName(QStringLiteral("operatorLabel"));
  login_ = new QPushButton(tr("Log in (F2)"), central);
  login_->setObjectName(QStringLiteral("loginButton"));
  logout_ = new QPushButton(tr("Log out (F3)"), central);
  logout_->setObjectName(QStringLiteral("logoutButton"));
  top->addWidget(station_);
  top->addStretch(1);
  top->addWidget(operator_);
  top->addWidget(login_);
  top->addWidget(logout_);
  root->addLayout(top);

  auto* bundle_frame = new QFrame(central);
  bundle_frame->setFrameShape(QFrame::StyledPanel);
  auto* bundle_layout = new QVBoxLayout(bundle_frame);
  bundle_layout->setContentsMargins(8, 4, 8, 4);
  bundle_ = new QLabel(bundle_frame);
  bundle_->setObjectName(QStringLiteral("bundleInfo"));
  bundle_->setWordWrap(true);
  bundle_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  bundle_layout->addWidget(bundle_);
  root->addWidget(bundle_frame);

  banner_ = new QFrame(central);
  banner_->setObjectName(QStringLiteral("lineStopBanner"));
  auto* banner_layout = new QHBoxLayout(banner_);
  banner_text_ = new QLabel(banner_);
  banner_text_->setObjectName(QStringLiteral("lineStopText"));
  banner_text_->setWordWrap(true);
  release_ = new QPushButton(tr("Supervisor release (F9)"), banner_);
  release_->setObjectName(QStringLiteral("releaseButton"));
  banner_layout->addWidget(banner_text_, 1);
  banner_layout->addWidget(release_);
  banner_->setVisible(false);
  root->addWidget(banner_);
}

// The scan field and device, the big state with the plan's steps, the shift's counters and
// the message line.
void OperatorWindow::build_unit_area(QWidget* central, QVBoxLayout* root) {
  auto* scan_row = new QHBoxLayout();
  auto* scan_label = new QLabel(tr("&Scan serial"), central);
  scan_label->setObjectName(QStringLiteral("scanLabel"));
  scan_ = new QLineEdit(central);
  scan_->setObjectName(QStringLiteral("scanField"));
  scan_->setMaxLength(64);
  scan_->setPlaceholderText(tr("scan the label, or type the serial and press Enter"));
  scan_label->setBuddy(scan_);
  auto* device_label = new QLabel(tr("&Device"), central);
  device_ = new QComboBox(central);
  device_->setObjectName(QStringLiteral("deviceSelector"));
  device_->setEditable(true);
  device_->setInsertPolicy(QComboBox::InsertAtTop);
  for (const QString& uri : options_.devices) {
    device_->addItem(device_name(uri), uri);
    device_->setItemData(device_->count() - 1, uri, Qt::ToolTipRole);
  }
  device_->setMinimumWidth(320);
  device_->setToolTip(tr("The device the unit sits in (or type sim:SOCKET for the device "
                         "simulator, cmd:CONFIG for a vendor tool)"));
  device_label->setBuddy(device_);
  scan_row->addWidget(scan_label);
  scan_row->addWidget(scan_, 3);
  scan_row->addWidget(device_label);
  scan_row->addWidget(device_, 2);
  root->addLayout(scan_row);

  auto* middle = new QHBoxLayout();
  auto* state_column = new QVBoxLayout();
  state_ = new QLabel(central);
  state_->setObjectName(QStringLiteral("stateLabel"));
  state_->setAlignment(Qt::AlignCenter);
  state_->setMinimumHeight(160);
  detail_ = new QLabel(central);
  detail_->setObjectName(QStringLiteral("stateDetail"));
  detail_->setWordWrap(true);
  detail_->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
  detail_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  state_column->addWidget(state_, 3);
  state_column->addWidget(detail_, 1);
  middle->addLayout(state_column, 3);
  auto* plan = new QGroupBox(tr("Provisioning plan"), central);
  plan->setObjectName(QStringLiteral("planBox"));
  steps_layout_ = new QGridLayout(plan);
  steps_layout_->setVerticalSpacing(6);
  steps_layout_->setColumnStretch(0, 1);
  middle->addWidget(plan, 2);
  root->addLayout(middle, 1);

  rework_ = new QPushButton(tr("Rework (F5)"), central);
  rework_->setObjectName(QStringLiteral("reworkButton"));
  rework_->setToolTip(tr("Program the unit that just failed again, on the chosen device, with "
                         "a reason (hallmark-station rework)"));
  scan_row->addWidget(rework_);

  auto* counters = new QHBoxLayout();
  auto* shift = new QLabel(tr("This shift:"), central);
  shift->setProperty("role", QStringLiteral("counter"));
  passed_ = counter_label(central, "passedCount");
  failed_ = counter_label(central, "failedCount");
  stops_ = counter_label(central, "lineStopCount");
  counters->addWidget(shift);
  counters->addSpacing(20);
  counters->addWidget(passed_);
  counters->addSpacing(40);
  counters->addWidget(failed_);
  counters->addSpacing(40);
  counters->addWidget(stops_);
  counters->addStretch(1);
  root->addLayout(counters);

  message_ = new QLabel(central);
  message_->setObjectName(QStringLiteral("messageLine"));
  message_->setWordWrap(true);
  root->addWidget(message_);
}

// Keyboard-only use: the focus order, Enter in the scan field, the F-keys.
void OperatorWindow::connect_controls() {
  // Focus order for keyboard-only use: scan, device, then the buttons.
  setTabOrder(scan_, device_);
  setTabOrder(device_, rework_);
  setTabOrder(rework_, login_);
  setTabOrder(login_, logout_);
  setTabOrder(logout_, release_);

  connect(scan_, &QLineEdit::returnPressed, this, &OperatorWindow::submit_scan);
  connect(login_, &QPushButton::clicked, this, &OperatorWindow::start_login);
  connect(logout_, &QPushButton::clicked, this, &OperatorWindow::start_logout);
  connect(release_, &QPushButton::clicked, this, &OperatorWindow::start_break_glass);
  connect(rework_, &QPushButton::clicked, this, &OperatorWindow::start_rework);
  // After a device is chosen, the scanner's next keystrokes go to the scan field again.
  connect(device_, &QComboBox::activated, this, [this] { refresh_controls(); });
  auto* f2 = new QShortcut(QKeySequence(Qt::Key_F2), this);
  connect(f2, &QShortcut::activated, this, &OperatorWindow::start_login);
  auto* f3 = new QShortcut(QKeySequence(Qt::Key_F3), this);
  connect(f3, &QShortcut::activated, this, &OperatorWindow::start_logout);
  auto* f5 = new QShortcut(QKeySequence(Qt::Key_F5), this);
  connect(f5, &QShortcut::activated, this, &OperatorWindow::start_rework);
  auto* f9 = new QShortcut(QKeySequence(Qt::Key_F9), this);
  connect(f9, &QShortcut::activated, this, &OperatorWindow::start_break_glass);
}

QString OperatorWindow::display_state() const { return state_->property("state").toString(); }

void OperatorWindow::set_display(const char* state, const QString& big, const QString& detail) {
  state_->setText(big);
  detail_->setText(detail);
  set_state_property(state_, state);
}

void OperatorWindow::set_message(const QString& text, bool error) {
  message_->setText(text);
  set_state_property(message_, error ? "error" : "info");
}

QString OperatorWindow::step_label(int step, const QString& what) const {
  if (step == step_names_.size()) return tr("then: %1").arg(what);
  return QStringLiteral("%1. %2").arg(step).arg(what);
}

void OperatorWindow::fit_banner() {
  if (!banner_->isVisible() || banner_text_->width() <= 0) return;
  banner_text_->setMinimumHeight(banner_text_->heightForWidth(banner_text_->width()));
}

void OperatorWindow::resizeEvent(QResizeEvent* event) {
  QMainWindow::resizeEvent(event);
  fit_banner();
}

QString OperatorWindow::device_uri() const { return chosen_value(*device_); }

void OperatorWindow::rebuild_steps(const QStringList& names) {
  if (names == step_names_ && !steps_.empty()) return;
  step_names_ = names;
  for (auto& row : steps_) {
    delete row.name;
    delete row.bar;
  }
  steps_.clear();
  while (auto* item = steps_layout_->takeAt(0)) delete item;
  auto* box = steps_layout_->parentWidget();
  for (int r = 0; r < steps_layout_->rowCount(); ++r) steps_layout_->setRowStretch(r, 0);
  int row = 0;
  for (int i = 0; i < names.size(); ++i) {
    auto* name = new QLabel(step_label(i + 1, names[i]), box);
    name->setObjectName(QStringLiteral("stepName%1").arg(i + 1));
    name->setProperty("role", QStringLiteral("stepName"));
    auto* bar = new QProgressBar(box);
    bar->setObjectName(QStringLiteral("stepBar%1").arg(i + 1));
    bar->setRange(0, 100);
    bar->setValue(0);
    bar->setTextVisible(true);
    bar->setFixedWidth(150);
    steps_layout_->addWidget(name, row, 0);
    steps_layout_->addWidget(bar, row, 1);
    ++row;
    steps_.push_back({name, bar});
  }
  steps_layout_->setRowStretch(row, 1);
}

void OperatorWindow::on_snapshot(const LineSnapshot& s) {
  snapshot_ = s;
  station_->setText(s.open ? tr("Station %1").arg(s.station_id) : tr("Station: not open"));
  operator_->setText(s.operator_name.isEmpty() ? tr("Nobody logged in")
                                               : tr("Operator: %1").arg(s.operator_name));
  const auto& b = s.bundle;
  if (b.loaded) {
    bundle_->setText(
        tr("Bundle <b>%1 %2</b> · security counter %3%4<br>Digest <tt>%5</tt><br>"
           "Approved by %6 (%7 of %8 required)")
            .arg(b.sku.toHtmlEscaped(), b.version.toHtmlEscaped())
            .arg(b.security_counter)
            .arg(b.channel.isEmpty() ? QString() : tr(" · channel %1").arg(b.channel.toHtmlEscaped()))
            .arg(b.digest.toHtmlEscaped())
            .arg(b.approvers.join(QStringLiteral(", ")).toHtmlEscaped())
            .arg(b.approvers.size())
            .arg(b.threshold));
    set_state_property(bundle_, "loaded");
  } else {
    bundle_->setText(s.open ? tr("NO BUNDLE TO PROGRAM: %1").arg(b.error.toHtmlEscaped())
                            : tr("No bundle (the line is not open)"));
    set_state_property(bundle_, "missing");
  }
  rebuild_steps(b.plan_steps);
  passed_->setText(tr("Passed %1").arg(s.shift.passed));
  failed_->setText(tr("Failed %1").arg(s.shift.failed));
  stops_->setText(tr("Line stops %1").arg(s.shift.line_stops));

  banner_->setVisible(s.stopped);
  if (s.stopped) {
    banner_text_->setText(
        tr("LINE STOPPED (record %1): %2\nNo unit may be programmed until a supervisor "
           "presents their card and gives a reason.")
            .arg(s.stop_sequence)
            .arg(s.stop_cause));
    fit_banner();
  }
  if (!busy_) show_idle_state();
  refresh_controls();
}

void OperatorWindow::show_idle_state() {
  const auto& s = snapshot_;
  if (!s.open) {
    set_display("fail", tr("NOT READY"), s.open_error);
  } else if (s.stopped) {
    set_display("stopped", tr("LINE STOPPED"), s.stop_cause);
  } else if (have_result_) {
    return;  // the last unit's verdict stays until the next scan
  } else if (s.operator_name.isEmpty()) {
    set_display("login", tr("LOG IN"), tr("Press F2 and present your card"));
  } else if (!s.bundle.loaded) {
    set_display("fail", tr("NO BUNDLE"), s.bundle.error);
  } else {
    set_display("ready", tr("READY"), tr("Scan the unit's serial"));
  }
}

void OperatorWindow::refresh_controls() {
  const auto& s = snapshot_;
  const bool open = s.open && !busy_;
  const bool can_scan = open && !s.stopped && !s.operator_name.isEmpty() && s.bundle.loaded;
  scan_->setEnabled(can_scan);
  device_->setEnabled(open && !s.stopped);
  login_->setEnabled(open);
  logout_->setEnabled(open && !s.operator_name.isEmpty());
  release_->setEnabled(open && s.stopped);
  rework_->setEnabled(can_scan && !failed_serial_.isEmpty());
  // A barcode scanner types wherever the focus is: give it the scan field whenever idle.
  if (can_scan && dialog_.isNull()) scan_->setFocus(Qt::OtherFocusReason);
}

void OperatorWindow::on_unit_started(const QString& serial) {
  set_display("programming", tr("PROGRAMMING"), tr("serial %1").arg(serial));
}

void OperatorWindow::on_step(const StepUpdate& u) {
  // Rows for steps the plan did not list (it should list them all) are added as they come.
  if (u.step > static_cast<int>(steps_.size())) {
    QStringList names = step_names_;
    while (names.size() < u.step) names << u.what;
    rebuild_steps(names);
  }
  for (int i = 0; i < u.step - 1 && i < static_cast<int>(steps_.size()); ++i) {
    steps_[static_cast<std::size_t>(i)].bar->setValue(100);
    set_state_property(steps_[static_cast<std::size_t>(i)].name, "done");
  }
  auto& row = steps_[static_cast<std::size_t>(u.step - 1)];
  row.bar->setValue(u.percent);
  row.name->setText(step_label(u.step, u.what));
  set_state_property(row.name, "running");
  current_step_ = u.step;
  // Numbered as the station numbers them in a FAIL ("plan step 2 of 9"): the plan's steps,
  // then the attestation, which is not a plan step.
  if (u.step <= u.steps) {
    detail_->setText(tr("serial %1 — step %2 of %3: %4")
                         .arg(current_serial_)
                         .arg(u.step)
                         .arg(u.steps)
                         .arg(u.what));
  } else {
    detail_->setText(tr("serial %1 — all %2 steps done: %3").arg(current_serial_).arg(u.steps).arg(u.what));
  }
}

void OperatorWindow::on_unit_finished(const UnitReport& r) {
  busy_ = false;
  have_result_ = true;
  switch (r.state) {
    case UnitState::kPass:
      for (auto& row : steps_) {
        row.bar->setValue(100);
        set_state_property(row.name, "done");
      }
      set_display("pass", tr("PASS"),
                  tr("%1 · hardware id %2 · journal record %3").arg(r.serial, r.hardware_id).arg(r.sequence));
      failed_serial_.clear();
      set_message(tr("%1 passed: set it aside as good and scan the next unit").arg(r.serial), false);
      break;
    case UnitState::kFail:
      if (current_step_ > 0 && current_step_ <= static_cast<int>(steps_.size())) {
        set_state_property(steps_[static_cast<std::size_t>(current_step_ - 1)].name, "fail");
      }
      set_display("fail", tr("FAIL"), r.detail);
      if (r.wrong_device) {
        // Reworking it with this bundle would only fail again: it is another product.
        failed_serial_.clear();
        set_message(tr("%1 is NOT the part this bundle is for; nothing was written to it "
                       "(record %2). Set the board aside and ask your supervisor which product "
                       "this line is building")
                        .arg(r.serial)
                        .arg(r.sequence),
                    true);
        break;
      }
      failed_serial_ = r.serial;
      set_message(tr("%1 FAILED and is recorded as failed (record %2): press F5 to rework it "
                     "now (you give the reason), or set it aside for a technician")
                      .arg(r.serial)
                      .arg(r.sequence),
                  true);
      break;
    case UnitState::kLineStopped:
      failed_serial_.clear();
      have_result_ = false;
      set_display("stopped", tr("LINE STOPPED"), r.detail);
      set_message(tr("THE LINE IS STOPPED (record %1): call a supervisor").arg(r.sequence), true);
      break;
    case UnitState::kRefused:
      set_display("refused", tr("NOT PROGRAMMED"), r.detail);
      set_message(tr("%1 was not programmed and nothing was recorded: %2").arg(r.serial, r.detail),
                  true);
      break;
  }
  show_idle_state();
  refresh_controls();
}

void OperatorWindow::on_action_failed(const QString& action, const QString& message) {
  busy_ = false;
  set_message(tr("%1 refused: %2").arg(action, message), true);
  show_idle_state();
  refresh_controls();
}

void OperatorWindow::on_action_done(const QString& action, const QString& message) {
  busy_ = false;
  if (action != QLatin1String("open")) have_result_ = false;
  set_message(message, false);
  show_idle_state();
  refresh_controls();
}

}  // namespace hallmark::station::console

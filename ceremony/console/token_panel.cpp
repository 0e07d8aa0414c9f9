#include "ceremony/console/token_panel.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QDateTime>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace hallmark::ceremony::console {
namespace {

bool same(const PresentToken& a, const PresentToken& b) {
  return a.module_path == b.module_path && a.label == b.label && a.serial == b.serial &&
         a.role == b.role && a.pin.count_low == b.pin.count_low &&
         a.pin.final_try == b.pin.final_try && a.pin.locked == b.pin.locked &&
         a.pin.to_be_changed == b.pin.to_be_changed;
}

QString pin_text(const hsm::PinState& pin) {
  if (pin.locked) return QStringLiteral("LOCKED");
  if (pin.final_try) return QStringLiteral("FINAL TRY");
  if (pin.count_low) return QStringLiteral("tries low");
  return QStringLiteral("ok");
}

}  // namespace

TokenPanel::TokenPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  auto* heading = new QLabel(QStringLiteral("Cards and tokens present"), this);
  QFont f = heading->font();
  f.setBold(true);
  f.setPointSizeF(f.pointSizeF() * 1.2);
  heading->setFont(f);
  layout->addWidget(heading);

  table_ = new QTableWidget(0, 3, this);
  table_->setObjectName("tokenTable");
  table_->setAccessibleName(QStringLiteral("Cards and tokens present"));
  table_->setHorizontalHeaderLabels(
      {QStringLiteral("Token (serial)"), QStringLiteral("Whose"), QStringLiteral("PIN")});
  table_->verticalHeader()->setVisible(false);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setWordWrap(true);
  table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  table_->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
  layout->addWidget(table_, 1);

  status_ = new QLabel(QStringLiteral("Choose a ceremony plan: this panel watches the card "
                                      "readers and HSM it names."),
                       this);
  status_->setWordWrap(true);
  status_->setObjectName("tokenStatus");
  layout->addWidget(status_);

  timer_ = new QTimer(this);
  timer_->setInterval(kPollMilliseconds);
  connect(timer_, &QTimer::timeout, this, &TokenPanel::refresh);
  timer_->start();
}

void TokenPanel::set_watch(TokenWatch watch) {
  watch_ = std::move(watch);
  tokens_.clear();
  table_->setRowCount(0);
  refresh();
}

void TokenPanel::set_problem(const QString& text) {
  watch_ = TokenWatch{};
  tokens_.clear();
  table_->setRowCount(0);
  status_->setText(text);
  status_->setStyleSheet("color: #8b0000;");
}

void TokenPanel::refresh() {
  if (watch_.empty()) return;
  auto listed = watch_.list();
  if (!listed) {
    status_->setText(QStringLiteral("Cannot list tokens: %1")
                         .arg(QString::fromStdString(listed.error().message)));
    status_->setStyleSheet("color: #8b0000;");
    return;
  }
  const bool changed =
      listed->size() != tokens_.size() ||
      !std::equal(listed->begin(), listed->end(), tokens_.begin(), same);
  status_->setStyleSheet(QString());
  status_->setText(QStringLiteral("%1 token(s) present · checked %2 (every second)")
                       .arg(listed->size())
                       .arg(QDateTime::currentDateTimeUtc().toString(QStringLiteral("HH:mm:ss 'UTC'"))));
  if (!changed) return;
  tokens_ = std::move(*listed);
  show_tokens();
  emit tokensChanged(static_cast<int>(tokens_.size()));
}

void TokenPanel::show_tokens() {
  table_->setRowCount(static_cast<int>(tokens_.size()));
  int row = 0;
  for (const auto& token : tokens_) {
    auto* label = new QTableWidgetItem(QStringLiteral("%1\nserial %2")
                                           .arg(QString::fromStdString(token.label),
                                                QString::fromStdString(token.serial)));
    label->setToolTip(QStringLiteral("%1 %2 in %3")
                          .arg(QString::fromStdString(token.manufacturer),
                               QString::fromStdString(token.model),
                               QString::fromStdString(token.module_path)));
    auto* role = new QTableWidgetItem(token.role.empty() ? QStringLiteral("(not in the plan)")
                                                         : QString::fromStdString(token.role));
    auto* pin = new QTableWidgetItem(pin_text(token.pin));
    pin->setToolTip(QString::fromStdString(token.pin.text()));
    if (token.pin.locked || token.pin.final_try) {
      pin->setBackground(QColor(0xb0, 0x00, 0x20));
      pin->setForeground(Qt::white);
    } else if (token.pin.count_low) {
      pin->setBackground(QColor(0xff, 0xd5, 0x80));
    }
    table_->setItem(row, 0, label);
    table_->setItem(row, 1, role);
    table_->setItem(row, 2, pin);
    ++row;
  }
  table_->resizeRowsToContents();
}

QString TokenPanel::status_text() const { return status_->text(); }

}  // namespace hallmark::ceremony::console

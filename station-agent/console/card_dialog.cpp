#include "station-agent/console/card_dialog.h"

#include <openssl/crypto.h>

#include <string_view>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "station-agent/console/named_choice.h"

namespace hallmark::station::console {

CardDialog::CardDialog(Purpose purpose, const QStringList& cards, const QString& context,
                       QWidget* parent, const QMap<QString, QString>& holders)
    : QDialog(parent), purpose_(purpose) {
  const bool glass = purpose == Purpose::kBreakGlass;
  const bool station = purpose == Purpose::kStationToken;
  setObjectName(glass     ? QStringLiteral("breakGlassDialog")
                : station ? QStringLiteral("stationTokenDialog")
                          : QStringLiteral("loginDialog"));
  setWindowTitle(glass     ? tr("Supervisor: release the stopped line")
                 : station ? tr("Open the station token")
                           : tr("Operator login"));
  setModal(true);
  setMinimumWidth(720);

  auto* layout = new QVBoxLayout(this);
  auto* heading = new QLabel(glass     ? tr("Supervisor card and reason")
                             : station ? tr("The station token's PIN")
                                       : tr("Log in with your card"),
                             this);
  heading->setObjectName(QStringLiteral("dialogHeading"));
  layout->addWidget(heading);
  if (!context.isEmpty()) {
    auto* about = new QLabel(context, this);
    about->setObjectName(QStringLiteral("dialogContext"));
    about->setWordWrap(true);
    layout->addWidget(about);
  }

  auto* form = new QFormLayout();
  card_ = new QComboBox(this);
  card_->setObjectName(QStringLiteral("cardUri"));
  card_->setEditable(true);
  for (const QString& uri : cards) {
    const QString holder = holders.value(uri);
    card_->addItem(holder.isEmpty() ? uri : tr("%1 — %2").arg(holder, uri), uri);
  }
  card_->setInsertPolicy(QComboBox::NoInsert);
  card_->setMinimumWidth(480);
  auto* card_label = new QLabel(station ? tr("&Token") : tr("&Card"), this);
  card_label->setBuddy(card_);
  form->addRow(card_label, card_);

  pin_ = new QLineEdit(this);
  pin_->setObjectName(QStringLiteral("pin"));
  // Never echoed, not even its length as dots; no copy, no drag, no input method.
  pin_->setEchoMode(QLineEdit::NoEcho);
  pin_->setContextMenuPolicy(Qt::NoContextMenu);
  pin_->setDragEnabled(false);
  pin_->setAttribute(Qt::WA_InputMethodEnabled, false);
  pin_->setMaxLength(static_cast<int>(hsm::Pin::kMaxLength));
  pin_->setPlaceholderText(tr("type the card PIN (not shown)"));
  auto* pin_label = new QLabel(tr("&PIN"), this);
  pin_label->setBuddy(pin_);
  form->addRow(pin_label, pin_);

  if (glass) {
    reason_ = new QLineEdit(this);
    reason_->setObjectName(QStringLiteral("reason"));
    reason_->setPlaceholderText(tr("why the line may go on (recorded in the journal)"));
    auto* reason_label = new QLabel(tr("&Reason"), this);
    reason_label->setBuddy(reason_);
    form->addRow(reason_label, reason_);
  }
  layout->addLayout(form);

  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons_->button(QDialogButtonBox::Ok)
      ->setText(glass ? tr("Release line") : station ? tr("Open the line") : tr("Log in"));
  buttons_->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("okButton"));
  buttons_->button(QDialogButtonBox::Ok)->setDefault(true);
  layout->addWidget(buttons_);
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &CardDialog::reject);
  connect(pin_, &QLineEdit::textChanged, this, &CardDialog::update_ok);
  if (reason_ != nullptr) connect(reason_, &QLineEdit::textChanged, this, &CardDialog::update_ok);
  connect(card_, &QComboBox::currentTextChanged, this, &CardDialog::update_ok);
  update_ok();
  // The card is usually the configured one: start at the PIN.
  if (card_->count() > 0) pin_->setFocus(); else card_->setFocus();
}

CardDialog::~CardDialog() { wipe_field(); }

QString CardDialog::card_uri() const { return chosen_value(*card_); }

QString CardDialog::reason() const {
  return reason_ != nullptr ? reason_->text().trimmed() : QString();
}

void CardDialog::update_ok() {
  const bool ready = !pin_->text().isEmpty() && !card_uri().isEmpty() &&
                     (reason_ == nullptr || !reason().isEmpty());
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(ready);
}

hsm::Pin CardDialog::take_pin() {
  QByteArray utf8 = pin_->text().toUtf8();
  hsm::Pin pin(std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())));
  OPENSSL_cleanse(utf8.data(), static_cast<std::size_t>(utf8.size()));
  wipe_field();
  return pin;
}

void CardDialog::reject() {
  wipe_field();
  QDialog::reject();
}

void CardDialog::wipe_field() {
  if (pin_ == nullptr) return;
  // Hold the field's buffer, make the field drop it (clear() also drops its undo history),
  // and then overwrite the buffer, which only `held` refers to by now.
  QString held = pin_->text();
  const QSignalBlocker quiet(pin_);
  pin_->clear();
  if (!held.isEmpty() && !held.isDetached()) return;  // still shared: nothing safe to wipe
  if (!held.isEmpty()) {
    OPENSSL_cleanse(held.data(), static_cast<std::size_t>(held.size()) * sizeof(QChar));
  }
  update_ok();
}

}  // namespace hallmark::station::console

#include "ceremony/console/pin_dialog.h"

#include <QCloseEvent>
#include <QDialogButtonBox>
#include <QFont>
#include <QInputMethodEvent>
#include <QKeyEvent>
#include <QKeySequence>
#include <QLabel>
#include <QMouseEvent>
#include <QPushButton>
#include <QVBoxLayout>

#include <openssl/crypto.h>

#include <algorithm>

#include <string_view>

namespace hallmark::ceremony::console {

void wipe_string(QString& text) noexcept {
  if (!text.isEmpty() && text.data_ptr().isMutable()) {
    // Writing through constData() reaches the shared buffer (data() would detach first).
    auto* chars = const_cast<QChar*>(text.constData());
    OPENSSL_cleanse(chars, static_cast<std::size_t>(text.size()) * sizeof(QChar));
  }
  text.clear();
}

PinEdit::PinEdit(QWidget* parent) : QLineEdit(parent) {
  setEchoMode(QLineEdit::Password);
  setContextMenuPolicy(Qt::NoContextMenu);
  setDragEnabled(false);
  setAcceptDrops(false);
  setInputMethodHints(Qt::ImhHiddenText | Qt::ImhSensitiveData | Qt::ImhNoPredictiveText |
                      Qt::ImhNoAutoUppercase);
  setMaxLength(static_cast<int>(hsm::Pin::kMaxLength));
}

PinEdit::~PinEdit() { wipe(); }

void PinEdit::wipe() noexcept {
  OPENSSL_cleanse(secret_.data(), secret_.size());
  size_ = 0;
  chars_ = 0;
  // The field holds only mask characters; setText also drops its undo history.
  QLineEdit::setText(QString());
}

hsm::Pin PinEdit::take() {
  hsm::Pin pin(std::string_view(reinterpret_cast<const char*>(secret_.data()), size_));
  wipe();
  emit lengthChanged(0);
  return pin;
}

void PinEdit::show_mask() {
  QLineEdit::setText(QString(static_cast<qsizetype>(chars_), QChar(u'*')));
  emit lengthChanged(static_cast<int>(chars_));
}

void PinEdit::append(const QString& text) {
  QByteArray utf8 = text.toUtf8();
  for (qsizetype i = 0; i < utf8.size(); ++i) {
    const auto byte = static_cast<unsigned char>(utf8[i]);
    if (size_ >= secret_.size()) break;  // longer PINs are cut, as hsm::Pin does
    secret_[size_++] = byte;
    if ((byte & 0xC0U) != 0x80U) ++chars_;  // not a UTF-8 continuation byte
  }
  OPENSSL_cleanse(utf8.data(), static_cast<std::size_t>(utf8.size()));
  show_mask();
}

void PinEdit::erase_last() noexcept {
  while (size_ > 0) {
    const unsigned char byte = secret_[--size_];
    secret_[size_] = 0;
    if ((byte & 0xC0U) != 0x80U) break;  // the lead byte of the last character
  }
  if (chars_ > 0) --chars_;
}

void PinEdit::keyPressEvent(QKeyEvent* event) {
  // Anything that would copy, paste, undo or move inside the secret does nothing.
  if (event->matches(QKeySequence::Copy) || event->matches(QKeySequence::Cut) ||
      event->matches(QKeySequence::Paste) || event->matches(QKeySequence::Undo) ||
      event->matches(QKeySequence::Redo) || event->matches(QKeySequence::SelectAll)) {
    event->accept();
    return;
  }
  switch (event->key()) {
    case Qt::Key_Backspace:
      erase_last();
      show_mask();
      event->accept();
      return;
    case Qt::Key_Return:
    case Qt::Key_Enter:
    case Qt::Key_Escape:
      event->ignore();  // the dialog's default button / reject
      return;
    case Qt::Key_Left:
    case Qt::Key_Right:
    case Qt::Key_Home:
    case Qt::Key_End:
    case Qt::Key_Delete:
    case Qt::Key_Insert:
      event->accept();
      return;
    default:
      break;
  }
  QString text = event->text();
  const bool control = event->modifiers().testFlag(Qt::ControlModifier) &&
                       !event->modifiers().testFlag(Qt::AltModifier);  // AltGr types
  bool printable = !text.isEmpty() && !control;
  for (QChar c : text) printable = printable && c.isPrint();
  if (printable) {
    append(text);
    wipe_string(text);  // and the event's copy, which shares the characters
    event->accept();
    return;
  }
  event->ignore();
}

void PinEdit::inputMethodEvent(QInputMethodEvent* event) {
  QString commit = event->commitString();
  if (!commit.isEmpty()) append(commit);
  wipe_string(commit);
  event->accept();
}

void PinEdit::mousePressEvent(QMouseEvent* event) {
  setFocus(Qt::MouseFocusReason);
  event->accept();
}

void PinEdit::mouseMoveEvent(QMouseEvent* event) { event->accept(); }

void PinEdit::mouseDoubleClickEvent(QMouseEvent* event) { event->accept(); }

namespace {

// What the PIN is asked for, above the PIN field: who enters it for which token, the
// purpose, the PIN state (a final try in red), and the digest being signed.
void add_request_labels(QVBoxLayout* layout, const PinRequest& request, bool signer,
                        const QString& digest_text, QDialog* dialog) {
  auto* heading = new QLabel(
      signer ? QStringLiteral("Signer HSM operator: enter the PIN of token '%1'")
                   .arg(QString::fromStdString(request.token_label))
             : QStringLiteral("%1: enter the PIN of your card '%2'")
                   .arg(QString::fromStdString(request.name),
                        QString::fromStdString(request.token_label)),
      dialog);
  QFont big = heading->font();
  big.setPointSizeF(std::max(big.pointSizeF(), 11.0) * 1.35);
  big.setBold(true);
  heading->setFont(big);
  heading->setWordWrap(true);
  heading->setObjectName("pinHeading");
  layout->addWidget(heading);

  auto* purpose = new QLabel(QStringLiteral("to %1").arg(QString::fromStdString(request.purpose)),
                             dialog);
  purpose->setWordWrap(true);
  purpose->setObjectName("pinPurpose");
  layout->addWidget(purpose);

  auto* state = new QLabel(QStringLiteral("Attempt %1 of %2 · PIN state: %3")
                               .arg(request.attempt)
                               .arg(request.max_attempts)
                               .arg(QString::fromStdString(request.state.text())),
                           dialog);
  state->setObjectName("pinState");
  state->setWordWrap(true);
  if (request.state.locked || request.state.final_try) {
    state->setStyleSheet("color: #b00020; font-weight: bold;");
  } else if (request.state.count_low) {
    state->setStyleSheet("color: #8a5a00; font-weight: bold;");
  }
  layout->addWidget(state);

  if (request.state.final_try) {
    auto* final_try = new QLabel(
        "FINAL TRY: one more wrong PIN LOCKS this token. If you are not sure of the PIN, "
        "press Cancel and ask the security officer.",
        dialog);
    final_try->setWordWrap(true);
    final_try->setStyleSheet(
        "background: #b00020; color: white; font-weight: bold; padding: 8px;");
    layout->addWidget(final_try);
  }

  if (!digest_text.isEmpty()) {
    // Each line unindented, so a group of eight fits the dialog's width on one line.
    QStringList lines = digest_text.split(QLatin1Char('\n'));
    for (QString& line : lines) line = line.trimmed();
    auto* digest = new QLabel(QStringLiteral("You are signing:\n%1").arg(lines.join(QLatin1Char('\n'))), dialog);
    QFont mono(QStringLiteral("DejaVu Sans Mono"));
    mono.setStyleHint(QFont::Monospace);
    mono.setPointSizeF(std::max(dialog->font().pointSizeF(), 10.0));
    digest->setFont(mono);
    digest->setWordWrap(true);
    digest->setObjectName("pinDigest");
    layout->addWidget(digest);
  }
}

}  // namespace

PinDialog::PinDialog(const PinRequest& request, const QString& digest_text, QWidget* parent)
    : QDialog(parent) {
  const bool signer = request.holder == PinRequest::Holder::kSignerHsm;
  const QString who = signer ? QStringLiteral("the signer HSM")
                             : QStringLiteral("custodian %1").arg(QString::fromStdString(request.name));
  setWindowTitle(QStringLiteral("PIN for %1").arg(who));
  setModal(true);
  setMinimumWidth(kPinDialogWidth);
  setMaximumWidth(kPinDialogWidth);

  auto* layout = new QVBoxLayout(this);
  add_request_labels(layout, request, signer, digest_text, this);

  edit_ = new PinEdit(this);
  edit_->setObjectName("pinEdit");
  edit_->setAccessibleName(QStringLiteral("PIN"));
  QFont edit_font = edit_->font();
  edit_font.setPointSizeF(std::max(edit_font.pointSizeF(), 11.0) * 1.4);
  edit_->setFont(edit_font);
  layout->addWidget(edit_);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  ok_ = buttons->button(QDialogButtonBox::Ok);
  ok_->setText(QStringLiteral("&Enter PIN"));
  ok_->setDefault(true);
  ok_->setEnabled(false);
  buttons->button(QDialogButtonBox::Cancel)->setText(QStringLiteral("&Cancel (stops the ceremony)"));
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(edit_, &PinEdit::lengthChanged, this, [this](int n) { ok_->setEnabled(n > 0); });
  layout->addWidget(buttons);
  edit_->setFocus(Qt::OtherFocusReason);
}

PinDialog::~PinDialog() { edit_->wipe(); }

void PinDialog::done(int result) {
  // An accepted PIN is taken (and wiped) by the caller right after exec(); anything else
  // never leaves the dialog.
  if (result != QDialog::Accepted) edit_->wipe();
  QDialog::done(result);
}

void PinDialog::closeEvent(QCloseEvent* event) {
  edit_->wipe();
  QDialog::closeEvent(event);
}

}  // namespace hallmark::ceremony::console

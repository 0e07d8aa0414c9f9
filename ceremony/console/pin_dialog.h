// PinDialog: asks one custodian (or the signer HSM's operator) for a PIN, never echoing it.
//
// The secret never enters Qt's text machinery: PinEdit takes keystrokes into its own
// fixed buffer and shows only a mask in a QLineEdit::Password field, so no QString, undo
// history, clipboard or drag holds the PIN (copy, cut, paste, undo, drag and drop and the
// context menu are disabled; the key event's own text is overwritten). take_pin() moves
// the secret into an hsm::Pin (wiped on destruction) and wipes the buffer; closing,
// rejecting or destroying the dialog wipes it too. Never logs. GUI thread only.
#pragma once

#include <QDialog>
#include <QLineEdit>

#include <array>
#include <cstddef>

#include "ceremony/src/ceremony_ui.h"
#include "hsm-profiles/src/pin.h"

class QLabel;
class QPushButton;

namespace hallmark::ceremony::console {

class PinEdit : public QLineEdit {
  Q_OBJECT
 public:
  explicit PinEdit(QWidget* parent = nullptr);
  ~PinEdit() override;
  PinEdit(const PinEdit&) = delete;
  PinEdit& operator=(const PinEdit&) = delete;

  // Characters typed (the mask length); 0 after take() or wipe().
  std::size_t length() const noexcept { return chars_; }
  // The secret as a Pin; the buffer is wiped.
  hsm::Pin take();
  // Overwrites the buffer and clears the mask.
  void wipe() noexcept;

 signals:
  void lengthChanged(int length);

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  void inputMethodEvent(QInputMethodEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;

 private:
  void append(const QString& text);
  void erase_last() noexcept;
  void show_mask();

  std::array<unsigned char, hsm::Pin::kMaxLength> secret_{};
  std::size_t size_ = 0;   // bytes of secret_ in use (UTF-8)
  std::size_t chars_ = 0;  // characters (what the mask shows)
};

// Narrow enough to sit beside what the custodian reads (qt_ceremony_ui.cpp places it).
inline constexpr int kPinDialogWidth = 400;

class PinDialog : public QDialog {
  Q_OBJECT
 public:
  // `digest_text`: the digest the custodian saw on the signing panel, as read_aloud_text
  // (ceremony_ui.h) writes it (empty: a login only).
  PinDialog(const PinRequest& request, const QString& digest_text, QWidget* parent = nullptr);
  ~PinDialog() override;
  PinDialog(const PinDialog&) = delete;
  PinDialog& operator=(const PinDialog&) = delete;

  PinEdit* pin_edit() const noexcept { return edit_; }
  QPushButton* ok_button() const noexcept { return ok_; }
  // After exec() returned Accepted: the PIN (the dialog's buffer is wiped).
  hsm::Pin take_pin() { return edit_->take(); }

 public slots:
  void done(int result) override;

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  PinEdit* edit_ = nullptr;
  QPushButton* ok_ = nullptr;
};

// Overwrites a QString's characters in place (every copy sharing them sees zeros), then
// clears it. For strings that carried a secret.
void wipe_string(QString& text) noexcept;

}  // namespace hallmark::ceremony::console

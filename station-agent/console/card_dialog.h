// CardDialog: a person presents their card — which card (chosen by its holder's name and
// role, or a pkcs11: URI typed),
// its PIN, and for a supervisor's break-glass the reason the line may go on. At start-up it
// also asks the station token's PIN when the console was told to prompt for it.
//
// The PIN field never echoes (not even as dots) and is never logged; take_pin() moves it
// into an hsm::Pin (wiped when that is destroyed) and wipes the dialog's own copies as far
// as Qt allows: the UTF-8 bytes, the field's string buffer (overwritten once the field let
// go of it) and the field itself. Rejecting or destroying the dialog clears the field the
// same way. OK stays disabled until a PIN (and, for break-glass, a reason that is not
// blank) is entered. Keyboard only: the card list, PIN and reason in tab order, Enter
// accepts, Escape cancels. GUI thread only.
#pragma once

#include <QDialog>
#include <QMap>
#include <QString>
#include <QStringList>

#include "hsm-profiles/src/pin.h"

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace hallmark::station::console {

class CardDialog : public QDialog {
  Q_OBJECT

 public:
  enum class Purpose { kLogin, kBreakGlass, kStationToken };

  // `holders` names each card's holder (LineSnapshot::card_holders): the list shows
  // "sam · supervisor — pkcs11:token=person-sam", the URI stays what is used.
  CardDialog(Purpose purpose, const QStringList& cards, const QString& context,
             QWidget* parent = nullptr, const QMap<QString, QString>& holders = {});
  ~CardDialog() override;

  [[nodiscard]] Purpose purpose() const noexcept { return purpose_; }
  [[nodiscard]] QString card_uri() const;
  [[nodiscard]] QString reason() const;
  // The PIN, taken out of the dialog (the field is empty afterwards).
  [[nodiscard]] hsm::Pin take_pin();

  void reject() override;

 private:
  void update_ok();
  void wipe_field();

  Purpose purpose_;
  QComboBox* card_ = nullptr;
  QLineEdit* pin_ = nullptr;
  QLineEdit* reason_ = nullptr;
  QDialogButtonBox* buttons_ = nullptr;
};

}  // namespace hallmark::station::console

// QtCeremonyUi: the ceremony library's CeremonyUi shown on a CeremonyPage, PINs read with
// a PinDialog.
//
// The ceremony runs on the GUI thread; every call repaints the page (events other than
// user input are processed) so the custodians see each step as it happens, and ask_pin()
// runs the PIN dialog modally (the token panel keeps polling meanwhile). The library keeps
// its contract: show_signing() before the PIN that authorises the signature; this class
// adds the digest last shown to that custodian to the PIN dialog. Cancel returns an error,
// which stops the ceremony the library's way. Never logs or stores a PIN. GUI thread only.
#pragma once

#include <QDialog>
#include <QObject>
#include <QPointer>
#include <QString>

#include <map>
#include <string>

#include "ceremony/src/ceremony_ui.h"

class QWidget;

namespace hallmark::ceremony::console {

class CeremonyPage;
class PinDialog;

class QtCeremonyUi : public QObject, public CeremonyUi {
  Q_OBJECT
 public:
  QtCeremonyUi(CeremonyPage& page, QWidget* dialog_parent);

  void step(std::string_view heading) override;
  void progress(std::string_view text) override;
  void show_signing(const SigningView& view) override;
  Result<hsm::Pin> ask_pin(const PinRequest& request) override;
  void info(std::string_view text) override;
  void warning(std::string_view text) override;
  void signatures(const SignatureProgress& progress) override;
  void refused(const Error& error) override;

 signals:
  // The dialog is about to run modally / has been answered (its buffer already wiped).
  void pinDialogOpened(hallmark::ceremony::console::PinDialog* dialog);
  void pinDialogClosed(hallmark::ceremony::console::PinDialog* dialog);
  void warned(const QString& text);
  void refusedWith(const QString& text);

 private:
  void repaint();

  CeremonyPage* page_;
  void place_beside_reading(QDialog& dialog) const;

  QPointer<QWidget> dialog_parent_;
  std::map<std::string, QString> digest_shown_;  // custodian → read_aloud_text, one step
};

}  // namespace hallmark::ceremony::console

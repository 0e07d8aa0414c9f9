#include "ceremony/console/qt_ceremony_ui.h"

#include <QCoreApplication>
#include <QDialog>
#include <QEventLoop>

#include "ceremony/console/ceremony_page.h"
#include "ceremony/console/pin_dialog.h"

namespace hallmark::ceremony::console {
namespace {

QString q(std::string_view text) {
  return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

}  // namespace

QtCeremonyUi::QtCeremonyUi(CeremonyPage& page, QWidget* dialog_parent)
    : page_(&page), dialog_parent_(dialog_parent) {}

void QtCeremonyUi::repaint() {
  // Show what changed; user input waits (the ceremony owns the GUI thread meanwhile).
  QCoreApplication::processEvents(QEventLoop::ExcludeUserInputEvents);
}

void QtCeremonyUi::step(std::string_view heading) {
  digest_shown_.clear();
  page_->add_step(q(heading));
  repaint();
}

void QtCeremonyUi::progress(std::string_view text) {
  page_->add_note(q(text), CeremonyPage::Note::kProgress);
  // "alice: insert your card ..." names who must act.
  if (text.find("insert your card") != std::string_view::npos) page_->set_actor(q(text));
  repaint();
}

void QtCeremonyUi::show_signing(const SigningView& view) {
  // The PIN dialog repeats what the terminal prints: the same grouped digest and caption.
  digest_shown_[view.custodian] = q(read_aloud_text(view));
  page_->show_signing(view);
  repaint();
}

// Over the right-hand column (the token panel), top-aligned: never over the summary and the
// digest in the middle of the window that the custodian is told to read while typing.
void QtCeremonyUi::place_beside_reading(QDialog& dialog) const {
  if (dialog_parent_ == nullptr) return;
  // Its width is fixed (kPinDialogWidth); its height is what its word-wrapped, styled
  // contents need at that width.
  dialog.ensurePolished();
  const int height = dialog.heightForWidth(kPinDialogWidth);
  if (height > 0) dialog.resize(kPinDialogWidth, height);
  const QPoint corner = dialog_parent_->mapToGlobal(
      QPoint(std::max(0, dialog_parent_->width() - kPinDialogWidth - 8), 8));
  dialog.move(corner);
}

Result<hsm::Pin> QtCeremonyUi::ask_pin(const PinRequest& request) {
  const bool signer = request.holder == PinRequest::Holder::kSignerHsm;
  QString digest;
  if (!signer) {
    if (auto it = digest_shown_.find(request.name); it != digest_shown_.end()) digest = it->second;
  }
  page_->set_actor(signer ? QStringLiteral("signer HSM operator — PIN of token '%1' to %2")
                                .arg(q(request.token_label), q(request.purpose))
                          : QStringLiteral("%1 — card '%2' in the reader, PIN to %3")
                                .arg(q(request.name), q(request.token_label), q(request.purpose)));
  repaint();
  PinDialog dialog(request, digest, dialog_parent_);
  place_beside_reading(dialog);
  emit pinDialogOpened(&dialog);
  const int answer = dialog.exec();
  if (answer == QDialog::Accepted && dialog.pin_edit()->length() > 0) {
    hsm::Pin pin = dialog.take_pin();
    emit pinDialogClosed(&dialog);
    return pin;
  }
  dialog.pin_edit()->wipe();
  emit pinDialogClosed(&dialog);
  const std::string who = signer ? std::string("the signer HSM") : "custodian " + request.name;
  return fail(ErrorCode::kPolicyRefused,
              "PIN entry for " + who + " was cancelled at the console: the ceremony stops");
}

void QtCeremonyUi::info(std::string_view text) {
  page_->add_note(q(text), CeremonyPage::Note::kInfo);
  repaint();
}

void QtCeremonyUi::warning(std::string_view text) {
  page_->add_note(q(text), CeremonyPage::Note::kWarning);
  emit warned(q(text));
  repaint();
}

void QtCeremonyUi::signatures(const SignatureProgress& progress) {
  page_->set_signatures(progress);
  repaint();
}

void QtCeremonyUi::refused(const Error& error) {
  emit refusedWith(QString::fromStdString(error.message));
  repaint();
}

}  // namespace hallmark::ceremony::console

#include "ceremony/console/file_field.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>

namespace hallmark::ceremony::console {

FileField::FileField(Mode mode, QString caption, QWidget* parent)
    : QWidget(parent), mode_(mode), caption_(std::move(caption)) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  edit_ = new QLineEdit(this);
  edit_->setAccessibleName(caption_);
  edit_->setClearButtonEnabled(true);
  if (mode_ == Mode::kOpenFiles) {
    edit_->setPlaceholderText(QStringLiteral("paths in order, separated by ';'"));
  }
  button_ = new QPushButton(QStringLiteral("Browse…"), this);
  button_->setAutoDefault(false);
  button_->setAccessibleName(QStringLiteral("Browse for %1").arg(caption_));
  layout->addWidget(edit_, 1);
  layout->addWidget(button_);
  setFocusProxy(edit_);
  connect(button_, &QPushButton::clicked, this, &FileField::browse);
  connect(edit_, &QLineEdit::textChanged, this, &FileField::changed);
}

QString FileField::text() const { return edit_->text().trimmed(); }

void FileField::set_text(const QString& text) { edit_->setText(text); }

QStringList FileField::paths() const {
  QStringList out;
  const QStringList parts = mode_ == Mode::kOpenFiles ? text().split(QLatin1Char(';'))
                                                      : QStringList{text()};
  for (const QString& part : parts) {
    if (!part.trimmed().isEmpty()) out << part.trimmed();
  }
  return out;
}

void FileField::browse() {
  QString chosen;
  switch (mode_) {
    case Mode::kOpenFile: chosen = QFileDialog::getOpenFileName(this, caption_, text()); break;
    case Mode::kOpenFiles:
      chosen = QFileDialog::getOpenFileNames(this, caption_).join(QStringLiteral(";"));
      break;
    case Mode::kFolder: chosen = QFileDialog::getExistingDirectory(this, caption_, text()); break;
    case Mode::kSaveFile: chosen = QFileDialog::getSaveFileName(this, caption_, text()); break;
  }
  if (!chosen.isEmpty()) edit_->setText(chosen);
  edit_->setFocus();
}

}  // namespace hallmark::ceremony::console

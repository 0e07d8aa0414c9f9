// FileField: a path line edit with a "Browse…" button (one file, several files separated
// by ';', or a folder). Keyboard first: the edit takes typed paths, the button is in the
// tab order after it. GUI thread only.
#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>

class QLineEdit;
class QPushButton;

namespace hallmark::ceremony::console {

class FileField : public QWidget {
  Q_OBJECT
 public:
  enum class Mode { kOpenFile, kOpenFiles, kFolder, kSaveFile };
  FileField(Mode mode, QString caption, QWidget* parent = nullptr);

  QString text() const;
  void set_text(const QString& text);
  // kOpenFiles: the paths, in order (separated by ';'); otherwise one path or none.
  QStringList paths() const;
  QLineEdit* edit() const noexcept { return edit_; }
  QPushButton* button() const noexcept { return button_; }

 signals:
  void changed(const QString& text);

 private:
  void browse();

  Mode mode_;
  QString caption_;
  QLineEdit* edit_ = nullptr;
  QPushButton* button_ = nullptr;
};

}  // namespace hallmark::ceremony::console

// OpenCeremonyPage: choose the ceremony (init, approve, enroll-station, rotate, revoke) and
// the files and values its CLI command takes as flags; only the rows the chosen kind uses
// are shown. Produces a CeremonyRequest; checks nothing itself (the launcher and the
// library do). Keyboard first: tab order follows the form, Ctrl+Return starts. GUI thread.
#pragma once

#include <QWidget>

#include "ceremony/console/ceremony_launcher.h"

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace hallmark::ceremony::console {

class FileField;

class OpenCeremonyPage : public QWidget {
  Q_OBJECT
 public:
  explicit OpenCeremonyPage(QWidget* parent = nullptr);

  CeremonyRequest request() const;
  void set_kind(CeremonyKind kind);
  CeremonyKind kind() const;

  QComboBox* kind_box() const noexcept { return kind_; }
  FileField* plan_field() const noexcept { return plan_; }
  FileField* trust_root_field() const noexcept { return trust_roots_; }
  FileField* out_field() const noexcept { return out_; }
  QLineEdit* present_edit() const noexcept { return present_; }
  QPushButton* start_button() const noexcept { return start_; }

 signals:
  void planChanged(const QString& path);
  void startRequested();

 private:
  void create_fields();
  void update_rows();

  QFormLayout* form_ = nullptr;
  QComboBox* kind_ = nullptr;
  QLabel* explain_ = nullptr;
  FileField* plan_ = nullptr;
  FileField* previous_plan_ = nullptr;
  FileField* trust_roots_ = nullptr;
  FileField* revocations_ = nullptr;
  FileField* bundle_ = nullptr;
  FileField* against_ = nullptr;
  FileField* history_ = nullptr;
  QLineEdit* custodian_ = nullptr;
  QLineEdit* channel_ = nullptr;
  QLineEdit* request_id_ = nullptr;
  QSpinBox* valid_days_ = nullptr;
  FileField* enrollment_ = nullptr;
  QLineEdit* revoke_keys_ = nullptr;
  QLineEdit* revoke_custodians_ = nullptr;
  QLineEdit* revoke_stations_ = nullptr;
  QLineEdit* revoke_bundles_ = nullptr;
  QLineEdit* reason_ = nullptr;
  QLineEdit* present_ = nullptr;
  FileField* out_ = nullptr;
  FileField* out_file_ = nullptr;
  QPushButton* start_ = nullptr;
};

}  // namespace hallmark::ceremony::console

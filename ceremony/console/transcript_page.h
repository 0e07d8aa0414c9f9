// TranscriptPage: opens a ceremony transcript, verifies it with the trust library while it
// shows it (transcript_check.h) and marks any break: an entry whose chain link fails is
// red with the library's reason, entries after it are marked untrusted, and failed
// signatures turn every entry's text red under a red verdict. Display only. GUI thread.
#pragma once

#include <QWidget>

#include <cstdint>
#include <functional>
#include <optional>

#include "ceremony/console/transcript_check.h"

class QLabel;
class QPushButton;
class QTableWidget;

namespace hallmark::ceremony::console {

class FileField;

class TranscriptPage : public QWidget {
  Q_OBJECT
 public:
  explicit TranscriptPage(QWidget* parent = nullptr);

  // Clock for the trust root's freshness (tests fix it; default: now).
  void set_clock(std::function<int64_t()> clock) { clock_ = std::move(clock); }
  void set_files(const QString& transcript, const QStringList& trust_roots,
                 const QStringList& revocations = {});
  FileField* transcript_field() const noexcept { return transcript_; }
  FileField* trust_root_field() const noexcept { return trust_roots_; }
  QPushButton* verify_button() const noexcept { return verify_; }
  QTableWidget* table() const noexcept { return table_; }
  QString verdict_text() const;
  const std::optional<TranscriptReport>& report() const noexcept { return report_; }

 public slots:
  // Reads, verifies and shows the chosen transcript.
  void open_transcript();

 private:
  void show_report(const TranscriptReport& report);

  FileField* transcript_ = nullptr;
  FileField* trust_roots_ = nullptr;
  FileField* revocations_ = nullptr;
  QPushButton* verify_ = nullptr;
  QLabel* verdict_ = nullptr;
  QLabel* header_ = nullptr;
  QTableWidget* table_ = nullptr;
  std::optional<TranscriptReport> report_;
  std::function<int64_t()> clock_;
};

}  // namespace hallmark::ceremony::console

// CeremonyPage: the custodians' view of a running ceremony — the steps so far (the current
// one highlighted), what is happening, who must act, what they are about to sign (summary
// and digest, large and monospace), the signatures collected, warnings, and the result.
//
// Display only: it is fed by QtCeremonyUi and decides nothing. GUI thread only.
#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>

#include "ceremony/src/ceremony_ui.h"

class QGroupBox;
class QLabel;
class QListWidget;
class QPlainTextEdit;

namespace hallmark::ceremony::console {

class CeremonyPage : public QWidget {
  Q_OBJECT
 public:
  explicit CeremonyPage(QWidget* parent = nullptr);

  void reset(const QString& title);
  void add_step(const QString& heading);
  enum class Note { kProgress, kInfo, kWarning };
  void add_note(const QString& text, Note note);
  void set_actor(const QString& text);
  // Shows the digest to read aloud (grouped as group_for_reading, as the terminal does).
  void show_signing(const SigningView& view);
  void set_signatures(const SignatureProgress& progress);
  // Marks the current step done (ok) or failed and shows the result.
  void finish(bool ok, const QString& text);

  // What is on screen, for tests and screenshots.
  QStringList steps() const;
  int current_step() const noexcept { return current_; }
  QString actor_text() const;
  QString signing_names() const;
  QString signing_summary() const;
  QString signing_digest() const;  // the read-aloud digest, hex without spaces
  QString signing_digest_shown() const;  // as on screen: grouped, with its caption
  QString quorum_text() const;
  QString result_text() const;
  QString notes_text() const;

 private:
  void mark(int row, const QString& prefix, bool current);
  QGroupBox* build_signing_box();

  QLabel* title_ = nullptr;
  QListWidget* steps_ = nullptr;
  QLabel* now_ = nullptr;
  QLabel* actor_ = nullptr;
  QLabel* signing_who_ = nullptr;
  QPlainTextEdit* summary_ = nullptr;
  QLabel* digest_ = nullptr;
  QLabel* quorum_ = nullptr;
  QPlainTextEdit* notes_ = nullptr;
  QLabel* result_ = nullptr;
  QStringList headings_;
  QStringList signing_custodians_;
  QString raw_digest_;
  QLabel* digest_caption_ = nullptr;
  QLabel* payload_digest_ = nullptr;
  QStringList quorum_documents_;
  QStringList quorum_lines_;
  int current_ = -1;
};

}  // namespace hallmark::ceremony::console

#include "ceremony/console/ceremony_page.h"

#include <QFont>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QVBoxLayout>

#include <algorithm>

namespace hallmark::ceremony::console {
namespace {

QFont scaled(QFont font, double factor, bool bold = false) {
  font.setPointSizeF(std::max(font.pointSizeF(), 11.0) * factor);
  font.setBold(bold);
  return font;
}

QFont monospace(double points, bool bold = false) {
  QFont font(QStringLiteral("DejaVu Sans Mono"));
  font.setStyleHint(QFont::Monospace);
  font.setPointSizeF(points);
  font.setBold(bold);
  return font;
}

// The terminal's grouping (ceremony_ui.h): both screens show a digest alike.
QString grouped(const QString& hex) {
  return QString::fromStdString(group_for_reading(hex.toStdString()));
}

}  // namespace

CeremonyPage::CeremonyPage(QWidget* parent) : QWidget(parent) {
  auto* outer = new QVBoxLayout(this);
  title_ = new QLabel(QStringLiteral("No ceremony running: open one (Ctrl+O)"), this);
  title_->setFont(scaled(font(), 1.5, true));
  title_->setObjectName("ceremonyTitle");
  outer->addWidget(title_);

  auto* columns = new QHBoxLayout;
  outer->addLayout(columns, 1);

  auto* steps_box = new QGroupBox(QStringLiteral("Steps"), this);
  auto* steps_layout = new QVBoxLayout(steps_box);
  steps_ = new QListWidget(steps_box);
  steps_->setObjectName("stepList");
  steps_->setFont(scaled(font(), 1.05));
  steps_->setWordWrap(true);
  steps_->setSelectionMode(QAbstractItemView::SingleSelection);
  steps_->setAccessibleName(QStringLiteral("Ceremony steps"));
  steps_layout->addWidget(steps_);
  steps_box->setFixedWidth(280);
  columns->addWidget(steps_box);

  auto* right = new QVBoxLayout;
  columns->addLayout(right, 1);
  now_ = new QLabel(this);
  now_->setFont(scaled(font(), 1.3, true));
  now_->setWordWrap(true);
  now_->setObjectName("nowLabel");
  right->addWidget(now_);
  actor_ = new QLabel(this);
  actor_->setFont(scaled(font(), 1.15, true));
  actor_->setWordWrap(true);
  actor_->setObjectName("actorLabel");
  actor_->setStyleSheet("background: #e8f0fe; color: #0b3d91; padding: 6px;");
  actor_->setVisible(false);
  right->addWidget(actor_);

  right->addWidget(build_signing_box(), 1);

  quorum_ = new QLabel(this);
  quorum_->setFont(scaled(font(), 1.3, true));
  quorum_->setWordWrap(true);
  quorum_->setObjectName("quorumLabel");
  right->addWidget(quorum_);

  notes_ = new QPlainTextEdit(this);
  notes_->setReadOnly(true);
  notes_->setMaximumBlockCount(2000);
  notes_->setObjectName("activityLog");
  notes_->setAccessibleName(QStringLiteral("What is happening"));
  notes_->setTabChangesFocus(true);
  notes_->setFixedHeight(120);
  right->addWidget(notes_);

  result_ = new QLabel(this);
  result_->setFont(scaled(font(), 1.2, true));
  result_->setWordWrap(true);
  result_->setObjectName("resultLabel");
  result_->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  result_->setVisible(false);
  outer->addWidget(result_);
}

// "What is being signed": who signs, the summary they read, the digest read aloud.
QGroupBox* CeremonyPage::build_signing_box() {
  auto* signing = new QGroupBox(QStringLiteral("What is being signed"), this);
  auto* signing_layout = new QVBoxLayout(signing);
  signing_who_ = new QLabel(QStringLiteral("Nothing yet."), signing);
  signing_who_->setFont(scaled(font(), 1.1, true));
  signing_who_->setWordWrap(true);
  signing_who_->setObjectName("signingWho");
  signing_layout->addWidget(signing_who_);
  summary_ = new QPlainTextEdit(signing);
  summary_->setReadOnly(true);
  summary_->setFont(monospace(12));
  summary_->setObjectName("signingSummary");
  summary_->setAccessibleName(QStringLiteral("Summary of what is signed"));
  summary_->setTabChangesFocus(true);
  summary_->setLineWrapMode(QPlainTextEdit::WidgetWidth);
  signing_layout->addWidget(summary_, 1);
  digest_caption_ = new QLabel(signing);
  digest_caption_->setObjectName("signingDigestCaption");
  digest_caption_->setWordWrap(true);
  signing_layout->addWidget(digest_caption_);
  digest_ = new QLabel(signing);
  digest_->setFont(monospace(17, true));
  digest_->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  digest_->setObjectName("signingDigest");
  signing_layout->addWidget(digest_);
  payload_digest_ = new QLabel(signing);
  payload_digest_->setFont(monospace(10));
  payload_digest_->setWordWrap(true);
  payload_digest_->setObjectName("signingPayloadDigest");
  signing_layout->addWidget(payload_digest_);
  return signing;
}

void CeremonyPage::reset(const QString& title) {
  title_->setText(title);
  steps_->clear();
  headings_.clear();
  current_ = -1;
  now_->clear();
  actor_->clear();
  actor_->setVisible(false);
  signing_custodians_.clear();
  signing_who_->setText(QStringLiteral("Nothing yet."));
  summary_->clear();
  digest_->clear();
  digest_caption_->clear();
  payload_digest_->clear();
  raw_digest_.clear();
  quorum_->clear();
  quorum_documents_.clear();
  quorum_lines_.clear();
  notes_->clear();
  result_->clear();
  result_->setVisible(false);
}

void CeremonyPage::mark(int row, const QString& prefix, bool current) {
  if (row < 0 || row >= steps_->count()) return;
  QListWidgetItem* item = steps_->item(row);
  item->setText(prefix + headings_.at(row));
  QFont f = item->font();
  f.setBold(current);
  item->setFont(f);
  item->setBackground(current ? QColor(0xff, 0xe0, 0x82) : QBrush());
}

void CeremonyPage::add_step(const QString& heading) {
  if (current_ >= 0) mark(current_, QStringLiteral("✓ "), false);
  headings_ << heading;
  steps_->addItem(heading);
  current_ = steps_->count() - 1;
  mark(current_, QStringLiteral("▶ "), true);
  steps_->setCurrentRow(current_);
  now_->setText(QStringLiteral("Now: %1").arg(heading));
  actor_->clear();
  actor_->setVisible(false);
  notes_->appendPlainText(QStringLiteral("== %1").arg(heading));
}

void CeremonyPage::add_note(const QString& text, Note note) {
  switch (note) {
    case Note::kProgress: notes_->appendPlainText(QStringLiteral("   ") + text); break;
    case Note::kInfo: notes_->appendPlainText(text); break;
    case Note::kWarning: notes_->appendPlainText(QStringLiteral("WARNING: ") + text); break;
  }
}

void CeremonyPage::set_actor(const QString& text) {
  actor_->setText(QStringLiteral("Who must act: %1").arg(text));
  actor_->setVisible(!text.isEmpty());
}

void CeremonyPage::show_signing(const SigningView& view) {
  const QString custodian = QString::fromStdString(view.custodian);
  const QString summary = QString::fromStdString(view.summary);
  const QString digest =
      QString::fromStdString(view.read_aloud ? view.read_aloud->hex : view.payload_hex);
  // The same document shown to several custodians in a row is one panel naming them all.
  if (summary != summary_->toPlainText() || digest != raw_digest_) {
    signing_custodians_.clear();
    summary_->setPlainText(summary);
    raw_digest_ = digest;
    digest_->setText(grouped(digest));
    if (view.read_aloud) {
      digest_caption_->setText(
          QStringLiteral("READ ALOUD: the %1 (the same on every custodian's screen):")
              .arg(QString::fromStdString(view.read_aloud->label)));
      payload_digest_->setText(view.read_aloud->hex == view.payload_hex
                                   ? QString()
                                   : QStringLiteral("payload SHA-256 of your signed copy: %1")
                                         .arg(QString::fromStdString(view.payload_hex)));
    } else {
      digest_caption_->setText(QStringLiteral(
          "Payload SHA-256 (the exact bytes you sign). Only you sign this document: there is "
          "no digest to compare with another custodian."));
      payload_digest_->clear();
    }
  }
  if (!signing_custodians_.contains(custodian)) signing_custodians_ << custodian;
  signing_who_->setText(QStringLiteral("%1: you are about to sign this. Read it%2 before you "
                                       "enter your PIN.")
                            .arg(signing_custodians_.join(QStringLiteral(", ")),
                                 view.read_aloud ? QStringLiteral(" and read the digest aloud")
                                                 : QString()));
  set_actor(QStringLiteral("%1 — read what you sign, then enter your PIN").arg(custodian));
}

void CeremonyPage::set_signatures(const SignatureProgress& progress) {
  QStringList names;
  for (const auto& signer : progress.signers) {
    const bool done = std::find(progress.signed_by.begin(), progress.signed_by.end(), signer) !=
                      progress.signed_by.end();
    names << QStringLiteral("%1 %2").arg(QString::fromStdString(signer),
                                         done ? QStringLiteral("✓") : QStringLiteral("…"));
  }
  QString what = QString::fromStdString(progress.what);
  if (what.startsWith(QStringLiteral("sign "))) what = what.mid(5);
  const QString line = QStringLiteral("Signatures on %1: %2 of %3 — %4")
                           .arg(what)
                           .arg(progress.signed_by.size())
                           .arg(progress.signers.size())
                           .arg(names.join(QStringLiteral(", ")));
  // One line per document, in the order they were first signed.
  const qsizetype at = quorum_documents_.indexOf(what);
  if (at < 0) {
    quorum_documents_ << what;
    quorum_lines_ << line;
  } else {
    quorum_lines_[at] = line;
  }
  quorum_->setText(quorum_lines_.join(QStringLiteral("\n")));
}

void CeremonyPage::finish(bool ok, const QString& text) {
  if (current_ >= 0) {
    mark(current_, ok ? QStringLiteral("✓ ") : QStringLiteral("✗ "), false);
    if (!ok) steps_->item(current_)->setBackground(QColor(0xf8, 0xc8, 0xc8));
  }
  actor_->clear();
  actor_->setVisible(false);
  now_->setText(ok ? QStringLiteral("Finished") : QStringLiteral("Stopped"));
  // Nothing is about to be signed any more: say what was.
  signing_who_->setText(signing_custodians_.isEmpty()
                            ? QString()
                            : QStringLiteral("Signed by %1. Nothing more is signed in this ceremony.")
                                  .arg(signing_custodians_.join(QStringLiteral(", "))));
  result_->setText(text);
  result_->setStyleSheet(ok ? "background: #d7f5dd; color: #0b5d1e; padding: 8px;"
                            : "background: #fde2e2; color: #8b0000; padding: 8px;");
  result_->setVisible(true);
}

QStringList CeremonyPage::steps() const {
  QStringList out;
  for (int i = 0; i < steps_->count(); ++i) out << steps_->item(i)->text();
  return out;
}

QString CeremonyPage::actor_text() const { return actor_->text(); }
QString CeremonyPage::signing_names() const { return signing_custodians_.join(", "); }
QString CeremonyPage::signing_summary() const { return summary_->toPlainText(); }
QString CeremonyPage::signing_digest() const { return raw_digest_; }

QString CeremonyPage::signing_digest_shown() const {
  return digest_caption_->text() + QStringLiteral("\n") + digest_->text();
}
QString CeremonyPage::quorum_text() const { return quorum_->text(); }
QString CeremonyPage::result_text() const { return result_->text(); }
QString CeremonyPage::notes_text() const { return notes_->toPlainText(); }

}  // namespace hallmark::ceremony::console

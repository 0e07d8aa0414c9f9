#include "ceremony/console/transcript_page.h"

#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

#include "ceremony/console/file_field.h"
#include "verifier/core/time_format.h"
#include "verifier/io/clock.h"

namespace hallmark::ceremony::console {
namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

std::vector<std::string> to_std(const QStringList& list) {
  std::vector<std::string> out;
  for (const QString& s : list) out.push_back(s.toStdString());
  return out;
}

const QColor kBreak(0xf4, 0xb6, 0xb6);
const QColor kAfter(0xfb, 0xde, 0xde);
const QColor kRed(0x9b, 0x00, 0x00);

}  // namespace

TranscriptPage::TranscriptPage(QWidget* parent) : QWidget(parent) {
  clock_ = [] { return unix_now(); };
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  transcript_ = new FileField(FileField::Mode::kOpenFile, QStringLiteral("Transcript"), this);
  transcript_->setObjectName("transcriptFile");
  trust_roots_ =
      new FileField(FileField::Mode::kOpenFiles, QStringLiteral("Trust root chain"), this);
  trust_roots_->setObjectName("transcriptTrustRoots");
  revocations_ = new FileField(FileField::Mode::kOpenFiles, QStringLiteral("Revocations"), this);
  form->addRow(QStringLiteral("&Transcript file:"), transcript_);
  form->addRow(QStringLiteral("Trust root &chain (v1 … vN):"), trust_roots_);
  form->addRow(QStringLiteral("Re&vocations (optional):"), revocations_);
  layout->addLayout(form);

  verify_ = new QPushButton(QStringLiteral("&Verify and show"), this);
  verify_->setDefault(true);
  verify_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
  verify_->setObjectName("verifyTranscript");
  layout->addWidget(verify_, 0, Qt::AlignLeft);
  connect(verify_, &QPushButton::clicked, this, &TranscriptPage::open_transcript);
  for (FileField* field : {transcript_, trust_roots_, revocations_}) {
    connect(field->edit(), &QLineEdit::returnPressed, this, &TranscriptPage::open_transcript);
  }

  verdict_ = new QLabel(QStringLiteral("Choose a transcript and the trust root chain it ran "
                                       "under, then press Enter."),
                        this);
  verdict_->setWordWrap(true);
  verdict_->setObjectName("transcriptVerdict");
  verdict_->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  QFont big = verdict_->font();
  big.setPointSizeF(std::max(big.pointSizeF(), 11.0) * 1.25);
  big.setBold(true);
  verdict_->setFont(big);
  verdict_->setMinimumHeight(verdict_->fontMetrics().lineSpacing() * 2 + 24);
  layout->addWidget(verdict_);
  header_ = new QLabel(this);
  header_->setWordWrap(true);
  header_->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  header_->setMinimumHeight(header_->fontMetrics().lineSpacing() * 4 + 8);
  layout->addWidget(header_);

  table_ = new QTableWidget(0, 5, this);
  table_->setObjectName("transcriptTable");
  table_->setAccessibleName(QStringLiteral("Transcript entries"));
  table_->setHorizontalHeaderLabels({QStringLiteral("#"), QStringLiteral("Time (UTC)"),
                                     QStringLiteral("Step · actor · outcome"),
                                     QStringLiteral("Detail"), QStringLiteral("Verification")});
  table_->verticalHeader()->setVisible(false);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setWordWrap(true);
  table_->setTabKeyNavigation(false);
  auto* header = table_->horizontalHeader();
  header->setSectionResizeMode(QHeaderView::Interactive);
  header->setSectionResizeMode(3, QHeaderView::Stretch);
  table_->setColumnWidth(0, 40);
  table_->setColumnWidth(1, 120);
  table_->setColumnWidth(2, 210);
  table_->setColumnWidth(4, 330);
  layout->addWidget(table_, 1);
}

void TranscriptPage::set_files(const QString& transcript, const QStringList& trust_roots,
                               const QStringList& revocations) {
  transcript_->set_text(transcript);
  trust_roots_->set_text(trust_roots.join(QStringLiteral(";")));
  revocations_->set_text(revocations.join(QStringLiteral(";")));
}

QString TranscriptPage::verdict_text() const { return verdict_->text(); }

void TranscriptPage::open_transcript() {
  table_->setRowCount(0);
  header_->clear();
  report_.reset();
  if (transcript_->text().isEmpty()) {
    verdict_->setText(QStringLiteral("Choose a transcript file first."));
    verdict_->setStyleSheet(QString());
    return;
  }
  TranscriptFiles files{transcript_->text().toStdString(), to_std(trust_roots_->paths()),
                        to_std(revocations_->paths())};
  auto report = check_transcript_files(files, clock_());
  if (!report) {
    verdict_->setText(QStringLiteral("CANNOT CHECK — %1").arg(q(report.error().message)));
    verdict_->setStyleSheet("background: #fde2e2; color: #8b0000; padding: 8px;");
    return;
  }
  report_ = std::move(*report);
  show_report(*report_);
}

namespace {

// One row of the table: index, time, step and actor, detail, and what the verification
// says of it.
QStringList row_cells(const TranscriptRow& r, const TranscriptReport& report,
                      bool unsigned_content) {
  QStringList cells;
  cells << QString::number(r.index);
  if (r.entry) {
    const auto& e = *r.entry;
    QString who = QStringLiteral("%1 · %2").arg(q(e.step()), q(e.actor()));
    if (!e.token().label().empty()) who += QStringLiteral("\n(%1)").arg(q(e.token().label()));
    who += e.ok() ? QStringLiteral("\nok") : QStringLiteral("\nFAILED");
    // "2026-11-21 09:20:43 UTC" on two lines: date, then time.
    cells << q(verifier::format_utc(e.time_unix())).replace(QLatin1Char(' '), QLatin1Char('\n'))
          << who << q(e.detail());
  } else {
    cells << QString() << QString() << QStringLiteral("(not a transcript entry)");
  }
  QString verification;
  switch (r.link) {
    case TranscriptRow::Link::kChained:
      verification = unsigned_content
                         ? QStringLiteral("✗ chained, but the signatures do not cover it: %1")
                               .arg(q(report.signature_problem))
                         : (report.signatures_checked ? QStringLiteral("✓ chained, signed")
                                                      : QStringLiteral("✓ chained (signatures "
                                                                       "not checked)"));
      break;
    case TranscriptRow::Link::kBroken:
    case TranscriptRow::Link::kUnreadable:
      verification = QStringLiteral("✗ BREAK: %1").arg(q(r.problem));
      break;
    case TranscriptRow::Link::kAfterBreak: verification = QStringLiteral("✗ ") + q(r.problem); break;
  }
  cells << verification;
  return cells;
}

}  // namespace

void TranscriptPage::show_report(const TranscriptReport& report) {
  verdict_->setText(q(report.verdict));
  verdict_->setStyleSheet(report.verified
                              ? "background: #d7f5dd; color: #0b5d1e; padding: 8px;"
                              : "background: #b00020; color: white; padding: 8px;");
  QString signatures;
  if (!report.signatures_checked) {
    signatures = QStringLiteral("not checked");
  } else if (report.signatures_ok) {
    QStringList names;
    for (const auto& s : report.signers) names << q(s);
    signatures = QStringLiteral("valid (%1)").arg(names.join(QStringLiteral(", ")));
  } else {
    signatures = QStringLiteral("<b>FAILED</b>: %1").arg(q(report.signature_problem).toHtmlEscaped());
  }
  header_->setText(QStringLiteral("Ceremony <b>%1</b> · plan SHA-256 <tt>%2</tt><br>result "
                                  "SHA-256 <tt>%3</tt><br>Signatures: %4 · Hash chain: %5")
                       .arg(q(report.ceremony).toHtmlEscaped(),
                            q(report.plan_digest).toHtmlEscaped(),
                            report.result_digest_hex.empty()
                                ? QStringLiteral("(none: nothing was produced)")
                                : q(report.result_digest_hex),
                            signatures,
                            report.chain_ok ? QStringLiteral("intact")
                                            : QStringLiteral("<b>BROKEN</b>: %1")
                                                  .arg(q(report.chain_problem).toHtmlEscaped())));

  table_->setRowCount(static_cast<int>(report.rows.size()));
  const bool unsigned_content = report.signatures_checked && !report.signatures_ok;
  int row = 0;
  for (const auto& r : report.rows) {
    const QStringList cells = row_cells(r, report, unsigned_content);
    for (int c = 0; c < cells.size(); ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      if (r.link == TranscriptRow::Link::kBroken || r.link == TranscriptRow::Link::kUnreadable) {
        item->setBackground(kBreak);
        item->setForeground(kRed);
        QFont f = item->font();
        f.setBold(true);
        item->setFont(f);
      } else if (r.link == TranscriptRow::Link::kAfterBreak) {
        item->setBackground(kAfter);
        item->setForeground(kRed);
      } else if (unsigned_content) {
        item->setForeground(kRed);
      } else if (c == 2 && r.entry && !r.entry->ok()) {
        item->setForeground(QColor(0x8a, 0x5a, 0x00));  // the ceremony's own refusal, not a break
      }
      item->setToolTip(cells[c]);
      table_->setItem(row, c, item);
    }
    ++row;
  }
  table_->resizeRowsToContents();
}

}  // namespace hallmark::ceremony::console

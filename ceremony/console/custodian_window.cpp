#include "ceremony/console/custodian_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QLabel>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <exception>

#include "ceremony/console/ceremony_page.h"
#include "ceremony/console/file_field.h"
#include "ceremony/console/open_ceremony_page.h"
#include "ceremony/console/pin_dialog.h"
#include "ceremony/console/qt_ceremony_ui.h"
#include "ceremony/console/token_panel.h"
#include "ceremony/console/token_watch.h"
#include "ceremony/console/transcript_page.h"
#include "ceremony/src/plan.h"

namespace hallmark::ceremony::console {
namespace {

constexpr double kMinimumPointSize = 11.0;

QString q(const std::string& s) { return QString::fromStdString(s); }

QStringList q_list(const std::vector<std::string>& list) {
  QStringList out;
  for (const auto& s : list) out << q(s);
  return out;
}

}  // namespace

CustodianWindow::CustodianWindow(QWidget* parent) : QMainWindow(parent), clock_(system_clock()) {
  // Readable at 1280×800 by people under pressure: nothing below 11 pt, dialogs included.
  QFont app_font = QApplication::font();
  if (app_font.pointSizeF() < kMinimumPointSize) {
    app_font.setPointSizeF(kMinimumPointSize);
    QApplication::setFont(app_font);
  }
  setWindowTitle(QStringLiteral("Hallmark — custodian console"));
  resize(1280, 800);

  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  banner_ = new QLabel(central);
  banner_->setObjectName("banner");
  banner_->setWordWrap(true);
  banner_->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  QFont banner_font = banner_->font();
  banner_font.setPointSizeF(std::max(banner_font.pointSizeF(), kMinimumPointSize) * 1.2);
  banner_font.setBold(true);
  banner_->setFont(banner_font);
  banner_->setVisible(false);
  layout->addWidget(banner_);

  auto* splitter = new QSplitter(Qt::Horizontal, central);
  tabs_ = new QTabWidget(splitter);
  open_ = new OpenCeremonyPage(tabs_);
  ceremony_ = new CeremonyPage(tabs_);
  transcript_ = new TranscriptPage(tabs_);
  tabs_->addTab(open_, QStringLiteral("&1  Open a ceremony"));
  tabs_->addTab(ceremony_, QStringLiteral("&2  Ceremony"));
  tabs_->addTab(transcript_, QStringLiteral("&3  Transcripts"));
  tokens_ = new TokenPanel(splitter);
  tokens_->setObjectName("tokenPanel");
  splitter->addWidget(tabs_);
  splitter->addWidget(tokens_);
  splitter->setStretchFactor(0, 1);
  splitter->setSizes({880, 400});
  layout->addWidget(splitter, 1);
  setCentralWidget(central);

  auto add_shortcut = [this](const QKeySequence& keys, auto&& slot) {
    auto* action = new QAction(this);
    action->setShortcut(keys);
    action->setShortcutContext(Qt::WindowShortcut);
    connect(action, &QAction::triggered, this, std::forward<decltype(slot)>(slot));
    addAction(action);
  };
  add_shortcut(QKeySequence::Open, [this] {
    tabs_->setCurrentWidget(open_);
    open_->kind_box()->setFocus();
  });
  add_shortcut(QKeySequence(Qt::CTRL | Qt::Key_G), [this] { tabs_->setCurrentWidget(ceremony_); });
  add_shortcut(QKeySequence(Qt::CTRL | Qt::Key_T), [this] {
    tabs_->setCurrentWidget(transcript_);
    transcript_->transcript_field()->setFocus();
  });
  add_shortcut(QKeySequence(Qt::Key_F5), [this] { tokens_->refresh(); });
  add_shortcut(QKeySequence::Quit, [this] { close(); });

  // Reading a transcript needs the whole width; the token panel belongs to ceremonies.
  connect(tabs_, &QTabWidget::currentChanged, this,
          [this](int) { tokens_->setVisible(tabs_->currentWidget() != transcript_); });
  connect(open_, &OpenCeremonyPage::startRequested, this, &CustodianWindow::start_ceremony);
  connect(open_, &OpenCeremonyPage::planChanged, this, &CustodianWindow::watch_plan);
  open_->kind_box()->setFocus();
}

void CustodianWindow::set_clock(Clock clock) {
  clock_ = clock;
  transcript_->set_clock(std::move(clock));
}

QString CustodianWindow::banner_text() const {
  return banner_->isVisible() ? banner_->text() : QString();
}

void CustodianWindow::show_banner(const QString& text, bool refusal) {
  banner_refusal_ = refusal;
  banner_->setText(text);
  banner_->setStyleSheet(refusal ? "background: #b00020; color: white; padding: 10px;"
                                 : "background: #ffd580; color: #3d2a00; padding: 10px;");
  banner_->setVisible(true);
}

void CustodianWindow::hide_banner() {
  banner_refusal_ = false;
  banner_->clear();
  banner_->setVisible(false);
}

void CustodianWindow::watch_plan(const QString& path) {
  if (path.trimmed().isEmpty()) return;
  auto plan = load_plan(path.trimmed().toStdString());
  if (!plan) return;  // still being typed, or not a plan: the start reports it
  auto watch = token_watch_for_plan(*plan);
  if (!watch) {
    tokens_->set_problem(QStringLiteral("Cannot watch the plan's tokens: %1")
                             .arg(q(watch.error().message)));
    return;
  }
  tokens_->set_watch(std::move(*watch));
}

void CustodianWindow::start_ceremony() {
  if (running_) return;
  running_ = true;
  hide_banner();
  last_.reset();
  const CeremonyRequest request = open_->request();
  const std::string_view kind = kind_name(request.kind);
  watch_plan(q(request.plan));
  tabs_->setCurrentWidget(ceremony_);
  ceremony_->reset(QStringLiteral("The %1 ceremony").arg(QString::fromUtf8(
                       kind.data(), static_cast<qsizetype>(kind.size()))));
  open_->setEnabled(false);

  bool ok = false;
  {
    QtCeremonyUi ui(*ceremony_, this);
    connect(&ui, &QtCeremonyUi::pinDialogOpened, this, &CustodianWindow::pinDialogOpened);
    connect(&ui, &QtCeremonyUi::pinDialogClosed, this, &CustodianWindow::pinDialogClosed);
    connect(&ui, &QtCeremonyUi::warned, this, [this](const QString& text) {
      if (!banner_refusal_) show_banner(QStringLiteral("Warning: %1").arg(text), false);
    });
    connect(&ui, &QtCeremonyUi::refusedWith, this, [this](const QString& text) {
      show_banner(QStringLiteral("REFUSED: %1").arg(text), true);
    });
    Result<LaunchResult> result = fail(ErrorCode::kInternal, "the ceremony did not run");
    try {
      result = launch_ceremony(request, ui, clock_);
    } catch (const std::exception& e) {
      // Libraries do not throw; a slot still never lets anything through.
      result = fail(ErrorCode::kInternal, std::string("unexpected failure: ") + e.what());
    } catch (...) {
      result = fail(ErrorCode::kInternal, "unexpected failure");
    }
    if (!result) {
      const QString message = q(result.error().message);
      ceremony_->finish(false, QStringLiteral("The ceremony could not start: %1").arg(message));
      show_banner(QStringLiteral("Cannot start: %1").arg(message), true);
    } else {
      last_ = std::move(*result);
      const CeremonyOutcome& outcome = last_->outcome;
      ok = outcome.ok() && last_->written && last_->written->document;
      QString files;
      if (last_->written) {
        if (last_->written->document) {
          files += QStringLiteral("\nDocument: %1").arg(q(last_->written->document->string()));
        }
        files += QStringLiteral("\nTranscript: %1").arg(q(last_->written->transcript.string()));
      }
      if (ok) {
        ceremony_->finish(true, QStringLiteral("The %1 ceremony succeeded.%2")
                                    .arg(q(outcome.ceremony), files));
      } else {
        const QString why = outcome.error ? q(outcome.error->message)
                                          : QStringLiteral("the ceremony produced no document");
        ceremony_->finish(false, QStringLiteral("The %1 ceremony was REFUSED: %2%3\nNothing but "
                                                "the transcript was written.")
                                     .arg(q(outcome.ceremony), why, files));
        show_banner(QStringLiteral("REFUSED: %1").arg(why), true);
      }
      if (last_->write_error) {
        show_banner(QStringLiteral("The outcome could not be written: %1")
                        .arg(q(last_->write_error->message)),
                    true);
      }
      // The transcript viewer is ready for the transcript just written (Ctrl+T, Enter).
      if (last_->written) {
        QStringList chain = q_list(request.trust_roots);
        if (ok && (request.kind == CeremonyKind::kInit || request.kind == CeremonyKind::kRotate)) {
          chain << q(last_->written->document->string());
        }
        transcript_->set_files(q(last_->written->transcript.string()), chain,
                               q_list(request.revocations));
      }
    }
  }
  open_->setEnabled(true);
  running_ = false;
  tokens_->refresh();
  emit ceremonyFinished(ok);
}

void CustodianWindow::closeEvent(QCloseEvent* event) {
  if (running_) {
    show_banner(QStringLiteral("A ceremony is running: cancel the PIN dialog to stop it, then "
                               "close the console."),
                true);
    event->ignore();
    return;
  }
  QMainWindow::closeEvent(event);
}

}  // namespace hallmark::ceremony::console

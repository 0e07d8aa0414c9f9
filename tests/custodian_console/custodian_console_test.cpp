// The custodian console driven like a custodian would: the form filled with keystrokes,
// PINs typed into the PIN dialog, on SoftHSM tokens (custodian cards + signer HSM) under
// QT_QPA_PLATFORM=offscreen. Asserts what is on screen; saves a screenshot of each main
// screen into the build tree.
#include <doctest/doctest.h>

#include <QCoreApplication>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPixmap>
#include <QPointer>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>
#include <QTimer>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ceremony/console/ceremony_page.h"
#include "ceremony/console/custodian_window.h"
#include "ceremony/console/file_field.h"
#include "ceremony/console/open_ceremony_page.h"
#include "ceremony/console/pin_dialog.h"
#include "ceremony/console/token_panel.h"
#include "ceremony/console/transcript_page.h"
#include "hallmark/trust.pb.h"
#include "hsm-profiles/src/token_admin.h"
#include "tests/ceremony/ceremony_test_support.h"
#include "verifier/core/dsse.h"

using namespace hallmark;
using namespace hallmark::testing;
using namespace hallmark::ceremony::console;
namespace fs = std::filesystem;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }
std::string s(const QString& q) { return q.toStdString(); }

// A screenshot of `window` (1280×800), with `dialog` drawn over its centre when given (the
// offscreen platform renders each top-level window on its own).
void save_screenshot(QWidget& window, const QString& name, QWidget* dialog = nullptr) {
  const QString dir = QStringLiteral(HALLMARK_SCREENSHOT_DIR);
  QDir().mkpath(dir);
  QCoreApplication::processEvents();  // pending layouts (a panel hidden, a tab switched)
  QPixmap shot = window.grab();
  if (dialog != nullptr) {
    const QPixmap over = dialog->grab();
    QPainter painter(&shot);
    const QPoint at = window.mapFromGlobal(dialog->mapToGlobal(QPoint(0, 0)));  // where it sits
    painter.fillRect(QRect(at - QPoint(4, 4), over.size() + QSize(8, 8)), QColor(30, 30, 30));
    painter.drawPixmap(at, over);
  }
  CHECK(shot.width() == 1280);
  CHECK(shot.height() == 800);
  CHECK(shot.save(dir + "/" + name));
}

// What was on screen when a PIN dialog opened, and what the dialog held after it closed.
struct PinSeen {
  QString title;  // "PIN for custodian alice", "PIN for the signer HSM"
  QString purpose;
  QString state;
  QString dialog_digest;
  QString page_names;
  QString page_summary;
  QString page_digest;
  QString page_digest_shown;
  QString quorum;
  QString banner;
  QLineEdit::EchoMode echo = QLineEdit::Normal;
  bool covers_reading = false;  // the dialog lies over the summary or the digest to read
};
struct PinAfter {
  QString text;
  std::size_t length = 1;
};

// Answers every PIN dialog by typing: scripted answers for a title first, then the right
// PIN. Runs `on_open` (screenshots) before typing.
class PinTypist {
 public:
  explicit PinTypist(CustodianWindow& window) : window_(&window) {
    QObject::connect(&window, &CustodianWindow::pinDialogOpened, &window,
                     [this](PinDialog* dialog) { opened(dialog); });
    QObject::connect(&window, &CustodianWindow::pinDialogClosed, &window, [this](PinDialog* d) {
      after.push_back({d->pin_edit()->text(), d->pin_edit()->length()});
    });
  }
  std::map<QString, std::deque<QString>> script;
  std::function<void(PinDialog*)> on_open;
  std::vector<PinSeen> seen;
  std::vector<PinAfter> after;

 private:
  void opened(PinDialog* dialog) {
    CeremonyPage* page = window_->ceremony_page();
    PinSeen record;
    record.title = dialog->windowTitle();
    record.purpose = dialog->findChild<QLabel*>("pinPurpose")->text();
    record.state = dialog->findChild<QLabel*>("pinState")->text();
    if (auto* digest = dialog->findChild<QLabel*>("pinDigest")) record.dialog_digest = digest->text();
    record.page_names = page->signing_names();
    record.page_summary = page->signing_summary();
    record.page_digest = page->signing_digest();
    record.page_digest_shown = page->signing_digest_shown();
    record.quorum = page->quorum_text();
    record.banner = window_->banner_text();
    record.echo = dialog->pin_edit()->echoMode();
    const QRect box(dialog->mapToGlobal(QPoint(0, 0)), dialog->size());
    for (const char* reading : {"signingSummary", "signingDigest"}) {
      auto* w = window_->findChild<QWidget*>(QLatin1String(reading));
      if (w != nullptr && w->isVisible() && box.intersects(QRect(w->mapToGlobal(QPoint(0, 0)), w->size()))) {
        record.covers_reading = true;
      }
    }
    seen.push_back(record);
    QString pin = QString::fromLatin1(SoftHsmFixture::kUserPin);
    if (auto it = script.find(record.title); it != script.end() && !it->second.empty()) {
      pin = it->second.front();
      it->second.pop_front();
    }
    QPointer<PinDialog> target(dialog);
    QTimer::singleShot(0, dialog, [this, target, pin] {
      if (!target) return;
      if (on_open) on_open(target);
      QTest::keyClicks(target->pin_edit(), pin);
      QTest::keyClick(target->pin_edit(), Qt::Key_Return);
    });
  }
  CustodianWindow* window_;
};

fs::path write_plan(const CeremonyTokens& tokens, const std::string& text) {
  const fs::path path = tokens.hsm.dir() / "plan.textproto";
  std::ofstream(path) << text;
  return path;
}

std::string default_plan_text() {
  // carol's key asks for her PIN at every signature: her PIN comes while the others'
  // signatures are already made, so the quorum display is seen moving.
  return plan_text({{"alice", ""}, {"bob", ""}, {"carol", "", true}}, 2);
}

void show(CustodianWindow& window) {
  window.resize(1280, 800);
  window.show();
  QCoreApplication::processEvents();
}

// Fills the open page for an init with keystrokes and starts it; returns when it is done.
void run_init(CustodianWindow& window, const fs::path& plan, const fs::path& out,
              const QString& screenshot = {}) {
  OpenCeremonyPage* page = window.open_page();
  page->set_kind(CeremonyKind::kInit);
  QTest::keyClicks(page->plan_field()->edit(), q(plan.string()));
  QTest::keyClicks(page->out_field()->edit(), q(out.string()));
  if (!screenshot.isEmpty()) save_screenshot(window, screenshot);
  QTest::keyClick(page->start_button(), Qt::Key_Space);  // keyboard press of the button
}

bool has_step(const QStringList& steps, const QString& text) {
  for (const QString& step : steps) {
    if (step.contains(text)) return true;
  }
  return false;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

TEST_SUITE("gui") {

TEST_CASE("a full init ceremony shows every step and each summary before its PIN and ends in "
          "trust root v1") {
  CeremonyTokens tokens;
  const fs::path plan = write_plan(tokens, default_plan_text());
  const fs::path out = tokens.hsm.dir() / "out";
  CustodianWindow window;
  show(window);
  PinTypist typist(window);
  bool shot_taken = false;
  typist.on_open = [&](PinDialog* dialog) {
    if (!shot_taken && dialog->findChild<QLabel*>("pinPurpose")->text().contains("trust root v1")) {
      shot_taken = true;
      save_screenshot(window, "custodian-signing.png", dialog);
    }
  };
  run_init(window, plan, out, "custodian-open.png");

  REQUIRE(window.last_result().has_value());
  const auto& result = *window.last_result();
  REQUIRE_MESSAGE(result.outcome.ok(),
                  (result.outcome.error ? result.outcome.error->message : std::string()));
  CHECK(fs::exists(out / "trust-root-v1.json"));
  CHECK(fs::exists(out / "trust-root-v1.transcript.json"));
  CHECK(shot_taken);

  CeremonyPage* page = window.ceremony_page();
  const QStringList steps = page->steps();
  for (const char* step : {"Plan", "Quorum", "Check the signer HSM", "Check every custodian's card",
                           "Generate the signer keys inside the signer HSM",
                           "Certify the manufacturing CA", "Sign trust root v1",
                           "Verify trust root v1", "Sign the ceremony transcript"}) {
    CHECK_MESSAGE(has_step(steps, step), step);
  }
  // Every finished step is ticked; none is left highlighted as current.
  for (const QString& step : steps) CHECK_MESSAGE(step.startsWith("✓ "), s(step));
  CHECK(page->result_text().contains("The init ceremony succeeded"));
  // Once finished, nothing is "about to be signed"; the token panel's time names its zone.
  CHECK_FALSE(window.findChild<QLabel*>("signingWho")->text().contains("about to sign"));
  CHECK(window.findChild<QLabel*>("tokenStatus")->text().contains("UTC"));
  CHECK(page->result_text().contains("trust-root-v1.json"));
  CHECK_FALSE(window.banner_is_refusal());

  // Each custodian saw the trust root's summary and digest before the PIN that signs it.
  int signing_pins = 0;
  for (const PinSeen& pin : typist.seen) {
    CHECK(pin.echo == QLineEdit::Password);
    if (!pin.purpose.contains("trust root v1") && !pin.purpose.contains("authorise")) continue;
    if (pin.purpose.contains("authorise") && pin.page_summary.contains("TRANSCRIPT of")) continue;
    ++signing_pins;
    const QString who = pin.title.section(' ', -1);
    CHECK_MESSAGE(pin.page_names.contains(who), s(pin.title));
    CHECK_MESSAGE(pin.page_summary.contains("TRUST ROOT version 1"), s(pin.title + " / " + pin.purpose + " / " + pin.page_summary.left(200)));
    CHECK(pin.page_digest.size() == 64);
    // The dialog never hides what the custodian reads while typing the PIN.
    CHECK_FALSE(pin.covers_reading);
    // The PIN dialog and the page show the digest to read aloud as the terminal does:
    // grouped in fours (ceremony::group_for_reading), under the same caption.
    const QString grouped =
        QString::fromStdString(hallmark::ceremony::group_for_reading(pin.page_digest.toStdString()));
    for (const QString& line : grouped.split('\n')) CHECK(pin.dialog_digest.contains(line));
    CHECK(pin.dialog_digest.contains("READ ALOUD: the payload SHA-256"));
    CHECK(pin.page_digest_shown.contains(grouped));
    CHECK(pin.page_digest_shown.contains("READ ALOUD: the payload SHA-256"));
  }
  CHECK(signing_pins >= 3);  // alice, bob, carol (carol twice: her key asks every time)
  // The PIN of the signer HSM was asked too, for the HSM's own token.
  CHECK(std::any_of(typist.seen.begin(), typist.seen.end(),
                    [](const PinSeen& p) { return p.title == "PIN for the signer HSM"; }));

  // Quorum progress as it moved: carol's own PIN comes after alice's and bob's signatures.
  CHECK(std::any_of(typist.seen.begin(), typist.seen.end(), [](const PinSeen& p) {
    return p.quorum.contains("Signatures on trust root v1: 2 of 3");
  }));
  CHECK(page->quorum_text().contains("Signatures on trust root v1: 3 of 3 — alice ✓, bob ✓, carol ✓"));
  CHECK(page->quorum_text().contains("Signatures on the ceremony transcript: 3 of 3"));

  // Every dialog was empty once answered.
  REQUIRE(typist.after.size() == typist.seen.size());
  for (const PinAfter& after : typist.after) {
    CHECK(after.text.isEmpty());
    CHECK(after.length == 0);
  }
  save_screenshot(window, "custodian-ceremony-done.png");
}

TEST_CASE("one card presented for two custodians is refused and the banner says why") {
  CeremonyTokens tokens;
  const fs::path plan = write_plan(
      tokens, plan_text({{"alice", ""},
                         {"bob", "pkcs11:serial=" + tokens.serial("custodian-alice")},
                         {"carol", ""}},
                        2));
  CustodianWindow window;
  show(window);
  PinTypist typist(window);
  run_init(window, plan, tokens.hsm.dir() / "out");

  REQUIRE(window.last_result().has_value());
  CHECK_FALSE(window.last_result()->outcome.ok());
  CHECK(window.banner_is_refusal());
  CHECK(window.banner_text().startsWith("REFUSED:"));
  CHECK(window.banner_text().contains("already presented by custodian alice"));
  CHECK(window.ceremony_page()->result_text().contains("REFUSED"));
  CHECK(window.ceremony_page()->steps().last().startsWith("✗ "));
  CHECK_FALSE(fs::exists(tokens.hsm.dir() / "out" / "trust-root-v1.json"));
  CHECK(fs::exists(tokens.hsm.dir() / "out" / "trust-root-v1.transcript.json"));
  save_screenshot(window, "custodian-refusal.png");
}

TEST_CASE("a wrong PIN is shown in the banner and asked again before the ceremony goes on") {
  CeremonyTokens tokens;
  const fs::path plan = write_plan(tokens, default_plan_text());
  CustodianWindow window;
  show(window);
  PinTypist typist(window);
  typist.script["PIN for custodian alice"] = {"999999"};
  run_init(window, plan, tokens.hsm.dir() / "out");

  std::vector<PinSeen> alice;
  for (const PinSeen& pin : typist.seen) {
    if (pin.title == "PIN for custodian alice") alice.push_back(pin);
  }
  REQUIRE(alice.size() >= 2);
  CHECK(alice[0].state.contains("Attempt 1 of 3"));
  CHECK_FALSE(alice[0].banner.contains("Wrong PIN"));
  // Asked again, with the warning in the banner while she types.
  CHECK(alice[1].state.contains("Attempt 2 of 3"));
  CHECK(alice[1].banner.startsWith("Warning: Wrong PIN for alice"));
  CHECK_FALSE(window.banner_is_refusal());
  REQUIRE(window.last_result().has_value());
  CHECK(window.last_result()->outcome.ok());
}

TEST_CASE("the token panel notices a card inserted while it polls") {
  CeremonyTokens tokens;
  const fs::path plan = write_plan(tokens, default_plan_text());
  CustodianWindow window;
  show(window);
  QTest::keyClicks(window.open_page()->plan_field()->edit(), q(plan.string()));
  TokenPanel* panel = window.token_panel();
  auto find = [panel](const std::string& label) -> const PresentToken* {
    for (const auto& token : panel->tokens()) {
      if (token.label == label) return &token;
    }
    return nullptr;
  };
  REQUIRE(find("custodian-alice") != nullptr);
  CHECK(find("custodian-alice")->role == "card of alice");
  CHECK(find("signer-hsm")->role == "signer HSM");
  CHECK_FALSE(find("custodian-alice")->pin.locked);
  CHECK(find("custodian-erin") == nullptr);

  // A new card arrives; nobody clicks anything: the poll finds it.
  auto inserted = hsm::init_token(*tokens.hsm.module(), "custodian-erin",
                                  SoftHsmFixture::so_pin(), SoftHsmFixture::user_pin());
  REQUIRE_MESSAGE(inserted, (inserted ? "" : inserted.error().message));
  for (int i = 0; i < 40 && find("custodian-erin") == nullptr; ++i) QTest::qWait(100);
  REQUIRE(find("custodian-erin") != nullptr);
  CHECK(find("custodian-erin")->role.empty());
  bool shown = false;
  for (int row = 0; row < panel->table()->rowCount(); ++row) {
    shown = shown || panel->table()->item(row, 0)->text().startsWith("custodian-erin\n");
  }
  CHECK(shown);
  CHECK(panel->status_text().contains("token(s) present"));
  save_screenshot(window, "custodian-tokens.png");
}

TEST_CASE("the PIN dialog never echoes keeps no clipboard or undo copy and is empty after "
          "close") {
  ceremony::PinRequest request;
  request.name = "alice";
  request.token_label = "custodian-alice";
  request.purpose = "sign trust root v1";
  request.attempt = 1;
  request.max_attempts = 3;
  PinDialog dialog(request, QStringLiteral("ab").repeated(32));
  dialog.show();
  PinEdit* edit = dialog.pin_edit();
  CHECK(edit->echoMode() == QLineEdit::Password);
  CHECK_FALSE(dialog.ok_button()->isEnabled());
  QTest::keyClicks(edit, "4711x");
  QTest::keyClick(edit, Qt::Key_Backspace);
  CHECK(edit->length() == 4);
  CHECK_FALSE(edit->text().contains("4711"));  // the field holds a mask, never the PIN
  CHECK(dialog.ok_button()->isEnabled());
  CHECK(edit->contextMenuPolicy() == Qt::NoContextMenu);
  QTest::keyClick(edit, Qt::Key_Z, Qt::ControlModifier);  // undo does nothing
  QTest::keyClick(edit, Qt::Key_V, Qt::ControlModifier);  // neither does paste
  CHECK(edit->length() == 4);
  CHECK_FALSE(edit->isUndoAvailable());

  QTimer::singleShot(0, &dialog, [&] { QTest::keyClick(edit, Qt::Key_Return); });
  REQUIRE(dialog.exec() == QDialog::Accepted);
  hsm::Pin pin = dialog.take_pin();
  CHECK(std::string(reinterpret_cast<const char*>(pin.data()), pin.size()) == "4711");
  CHECK(edit->length() == 0);
  CHECK(edit->text().isEmpty());

  // Typed, then cancelled: wiped as the dialog closes.
  QTimer::singleShot(0, &dialog, [&] {
    QTest::keyClicks(edit, "1234");
    QTest::keyClick(edit, Qt::Key_Escape);
  });
  CHECK(dialog.exec() == QDialog::Rejected);
  CHECK(edit->length() == 0);
  CHECK(edit->text().isEmpty());
}

TEST_CASE("the transcript viewer shows a good transcript as verified and marks the break in a "
          "tampered one") {
  CeremonyTokens tokens;
  const fs::path plan = write_plan(tokens, default_plan_text());
  const fs::path out = tokens.hsm.dir() / "out";
  CustodianWindow window;
  show(window);
  PinTypist typist(window);
  run_init(window, plan, out);
  REQUIRE(window.last_result().has_value());
  REQUIRE(window.last_result()->outcome.ok());

  // The console offers the transcript it just wrote, with the trust root it produced.
  TranscriptPage* viewer = window.transcript_page();
  window.tabs()->setCurrentWidget(viewer);
  QTest::keyClick(viewer->verify_button(), Qt::Key_Space);
  REQUIRE(viewer->report().has_value());
  CHECK(viewer->report()->verified);
  CHECK(viewer->verdict_text().startsWith("VERIFIED"));
  CHECK(viewer->verdict_text().contains("alice"));
  QTableWidget* table = viewer->table();
  REQUIRE(table->rowCount() > 5);
  for (int row = 0; row < table->rowCount(); ++row) {
    CHECK(table->item(row, 4)->text().startsWith("✓"));
  }
  save_screenshot(window, "custodian-transcript-verified.png");

  // Someone edits entry 2's detail in the file.
  const fs::path good = out / "trust-root-v1.transcript.json";
  auto envelope = verifier::parse_envelope_json(read_text(good));
  REQUIRE(envelope);
  v1::CeremonyTranscript transcript;
  REQUIRE(transcript.ParseFromString(envelope->payload()));
  v1::TranscriptEntry entry;
  REQUIRE(entry.ParseFromString(transcript.entries(2)));
  entry.set_detail(entry.detail() + " (and nothing else happened)");
  transcript.set_entries(2, entry.SerializeAsString());
  envelope->set_payload(transcript.SerializeAsString());
  const fs::path tampered = out / "tampered.transcript.json";
  std::ofstream(tampered) << verifier::envelope_to_json(*envelope);

  viewer->set_files(q(tampered.string()), {q((out / "trust-root-v1.json").string())});
  QTest::keyClick(viewer->verify_button(), Qt::Key_Space);
  REQUIRE(viewer->report().has_value());
  CHECK_FALSE(viewer->report()->verified);
  CHECK(viewer->verdict_text().startsWith("NOT VERIFIED"));
  CHECK_FALSE(viewer->report()->signatures_ok);
  // The break is marked where the chain stops: entry 3 no longer chains to entry 2.
  REQUIRE(table->rowCount() == transcript.entries_size());
  CHECK(table->item(2, 4)->text().startsWith("✗ chained, but the signatures do not cover it"));
  const QString broken = table->item(3, 4)->text();
  CHECK(broken.startsWith("✗ BREAK"));
  CHECK(broken.contains("entry 2 was edited"));
  CHECK(table->item(3, 4)->background().color() == QColor(0xf4, 0xb6, 0xb6));
  CHECK(table->item(4, 4)->text().contains("after the break"));
  CHECK(table->item(2, 0)->foreground().color() == QColor(0x9b, 0x00, 0x00));
  table->scrollToItem(table->item(3, 0));
  save_screenshot(window, "custodian-transcript-tampered.png");
}

}  // TEST_SUITE

// An operator's shift at the console, on the programming line's test world: SoftHSM station
// token and person cards, hallmark-devsim devices, the journal on disk. Everything is done
// with the keyboard, as at the station; the test reads what the screen shows.
#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <string>

#include <QComboBox>
#include <QInputDialog>
#include <QFrame>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QTest>

#include "station-agent/console/card_dialog.h"
#include "station-agent/console/console_style.h"
#include "station-agent/console/line_engine.h"
#include "station-agent/console/operator_window.h"
#include "station-agent/station/person_events.h"
#include "station-agent/station/station_history.h"
#include "tests/line/line_test_support.h"
#include "testkit/softhsm_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace hallmark;
using namespace hallmark::station::console;
using line::testing::LineWorld;

constexpr int kUnitTimeoutMs = 120000;
const char* const kReason = "label of SN-1 was stuck on HW-B; HW-B relabelled SN-3";
const char* const kReworkReason = "write error at 0x0: reseated the board";

fs::path screenshot_path(const std::string& name) {
  const fs::path dir(HALLMARK_SCREENSHOT_DIR);
  fs::create_directories(dir);
  return dir / ("station-" + name + ".png");
}

void save(const QPixmap& shot, const std::string& name) {
  // Readable at 1280×800 means it fits there: no screen may grow the window.
  CHECK(shot.width() == hallmark::station::console::kDefaultWidth);
  CHECK(shot.height() == hallmark::station::console::kDefaultHeight);
  const auto path = screenshot_path(name);
  CHECK(shot.save(QString::fromStdString(path.string())));
}

void save(QWidget& window, const std::string& name) { save(window.grab(), name); }

// The window with its dialog on top, as the operator sees them.
void save_with_dialog(QWidget& window, QWidget& dialog, const std::string& name) {
  QPixmap shot = window.grab();
  QPainter painter(&shot);
  painter.fillRect(shot.rect(), QColor(0, 0, 0, 90));
  const QPixmap top = dialog.grab();
  painter.drawPixmap((shot.width() - top.width()) / 2, (shot.height() - top.height()) / 2, top);
  painter.end();
  save(shot, name);
}

template <typename T>
T* child(QWidget& parent, const char* name) {
  auto* found = parent.findChild<T*>(QLatin1String(name));
  REQUIRE_MESSAGE(found != nullptr, name);
  return found;
}

QString text_of(QWidget& window, const char* name) { return child<QLabel>(window, name)->text(); }

bool wait_for(const std::function<bool()>& done, int timeout_ms = 30000) {
  return QTest::qWaitFor(done, timeout_ms);
}

// The colour the state label is painted with, in its top-left corner.
QColor state_colour(QWidget& window) {
  const QImage image = child<QLabel>(window, "stateLabel")->grab().toImage();
  return image.pixelColor(12, image.height() / 2);
}

void choose_device(QWidget& window, const std::string& uri) {
  auto* devices = child<QComboBox>(window, "deviceSelector");
  devices->lineEdit()->clear();
  QTest::keyClicks(devices->lineEdit(), QString::fromStdString(uri));
}

void scan(QWidget& window, const char* serial) {
  auto* field = child<QLineEdit>(window, "scanField");
  REQUIRE(field->isEnabled());
  field->setFocus();
  QTest::keyClicks(field, QString::fromLatin1(serial));  // a scanner types like a keyboard
  QTest::keyClick(field, Qt::Key_Return);
}

void present_card(CardDialog& dialog, const char* card, const char* reason = nullptr) {
  auto* uri = child<QComboBox>(dialog, "cardUri");
  // Chosen from the list (where the card is shown by its holder) when it is there, typed
  // otherwise; either way the dialog hands over the URI.
  if (const int listed = uri->findData(QString::fromLatin1(card)); listed >= 0) {
    uri->setCurrentIndex(listed);
  } else {
    uri->lineEdit()->clear();
    QTest::keyClicks(uri->lineEdit(), QString::fromLatin1(card));
  }
  CHECK(dialog.card_uri() == QString::fromLatin1(card));
  auto* pin = child<QLineEdit>(dialog, "pin");
  QTest::keyClicks(pin, QString::fromLatin1(hallmark::testing::SoftHsmFixture::kUserPin));
  CHECK(pin->displayText().isEmpty());
  if (reason != nullptr) {
    QTest::keyClicks(child<QLineEdit>(dialog, "reason"), QString::fromUtf8(reason));
  }
}

}  // namespace

TEST_CASE("an operator's shift: login with the card - PASS - a label swap stops the line - a "
          "supervisor releases it with a reason - FAIL - rework with a reason - another product's board "
          "refused without rework - logout") {
  LineWorld lw;
  {
    // sam (supervisor) enrols olga and otto; nobody stays logged in.
    auto line = lw.open_line();
    lw.staff(*line);
    REQUIRE(station::end_session(*line));
  }
  auto device_a = lw.device("HW-A", {"--write-kib-per-s", "48"});
  auto device_b = lw.device("HW-B");
  auto device_c = lw.device("HW-C", {"--fail-write-at", "0"});
  auto device_w = lw.device("HW-W", {"--family", "esp32-c6"});  // another product's board

  {
    EngineOptions options;
    options.bundle = line::testing::kSku;
    options.open_line = [&lw]() -> Result<LineHandle> { return LineHandle(lw.open_line()); };
    options.card.allow_software_token = true;  // the test's person cards are SoftHSM tokens
    options.cards = {QStringLiteral("pkcs11:token=person-olga"), QStringLiteral("pkcs11:token=person-sam")};
    ConsoleThread worker(std::move(options));
    OperatorWindow window(worker, WindowOptions{{QString::fromStdString(device_a->uri())},
                                                {QStringLiteral("pkcs11:token=person-olga"),
                                                 QStringLiteral("pkcs11:token=person-sam")}});
    window.show();
    QApplication::setActiveWindow(&window);
    REQUIRE(QTest::qWaitForWindowExposed(&window));
    CHECK(window.width() == kDefaultWidth);
    CHECK(window.height() == kDefaultHeight);

    // Nobody logged in: the scan field is closed, the bundle is on screen.
    REQUIRE(wait_for([&] { return !window.busy() && window.display_state() == "login"; }));
    auto* scan_field = child<QLineEdit>(window, "scanField");
    CHECK_FALSE(scan_field->isEnabled());
    const QString bundle = text_of(window, "bundleInfo");
    CHECK(bundle.contains(QStringLiteral("combo-1")));
    CHECK(bundle.contains(QStringLiteral("1.2.0")));
    CHECK(bundle.contains(QStringLiteral("alice")));
    CHECK(bundle.contains(window.snapshot().bundle.digest));
    CHECK(window.snapshot().bundle.digest.size() == 64);
    // The device list names the device for people; its URI stays behind it.
    auto* devices = child<QComboBox>(window, "deviceSelector");
    CHECK(devices->currentText().startsWith(QStringLiteral("Simulator")));
    CHECK_FALSE(devices->currentText().contains(QLatin1Char('/')));
    CHECK(window.device_uri() == QString::fromStdString(device_a->uri()));

    // F2: olga logs in with her card; the PIN is typed into the dialog and never shown.
    QTest::keyClick(&window, Qt::Key_F2);
    REQUIRE(wait_for([&] { return window.card_dialog() != nullptr; }, 5000));
    present_card(*window.card_dialog(), "pkcs11:token=person-olga");
    QTest::keyClick(child<QLineEdit>(*window.card_dialog(), "pin"), Qt::Key_Return);
    REQUIRE(wait_for([&] { return !window.busy() && window.display_state() == "ready"; }));
    CHECK(text_of(window, "operatorLabel").contains(QStringLiteral("olga")));
    CHECK(scan_field->isEnabled());
    CHECK(window.focusWidget() == scan_field);  // the scanner's keystrokes land there
    CHECK(text_of(window, "passedCount") == QStringLiteral("Passed 0"));
    save(window, "ready");

    // A unit: PROGRAMMING with a bar per plan step, then PASS in green.
    scan(window, "SN-1");
    CHECK_FALSE(scan_field->isEnabled());
    const bool saw_progress = wait_for([&] {
      auto* first = window.findChild<QProgressBar*>(QStringLiteral("stepBar1"));
      return window.display_state() == "programming" && first != nullptr && first->value() > 0;
    }, kUnitTimeoutMs);
    const auto plan_steps = window.snapshot().bundle.plan_steps.size() - 1;  // then: attest
    if (saw_progress) {
      CHECK(text_of(window, "stateLabel") == QStringLiteral("PROGRAMMING"));
      CHECK(text_of(window, "stateDetail").contains(QStringLiteral("SN-1")));
      // Counted as the station counts them in a FAIL: the plan's steps only.
      CHECK(text_of(window, "stateDetail").contains(QStringLiteral(" of %1:").arg(plan_steps)));
      save(window, "programming");
    } else {
      WARN_MESSAGE(false, "the unit finished before its progress could be seen");
    }
    REQUIRE(wait_for([&] { return !window.busy() && window.display_state() == "pass"; },
                     kUnitTimeoutMs));
    CHECK(text_of(window, "stateLabel") == QStringLiteral("PASS"));
    CHECK(text_of(window, "stateDetail").contains(QStringLiteral("HW-A")));
    CHECK(text_of(window, "passedCount") == QStringLiteral("Passed 1"));
    const auto steps = window.snapshot().bundle.plan_steps.size();
    CHECK(steps > 3);
    for (int i = 1; i <= steps; ++i) {
      auto* bar = window.findChild<QProgressBar*>(QStringLiteral("stepBar%1").arg(i));
      REQUIRE(bar != nullptr);
      CHECK(bar->value() == 100);
    }
    const QColor pass = state_colour(window);
    CHECK(pass.green() > pass.red() + 60);
    CHECK(scan_field->isEnabled());
    save(window, "pass");

    // A second device carrying the first unit's label: the line stops.
    choose_device(window, device_b->uri());
    scan(window, "SN-1");
    REQUIRE(wait_for([&] { return !window.busy() && window.display_state() == "stopped"; },
                     kUnitTimeoutMs));
    auto* banner = child<QFrame>(window, "lineStopBanner");
    CHECK(banner->isVisible());
    CHECK(text_of(window, "lineStopText").contains(QStringLiteral("LINE STOPPED")));
    CHECK(text_of(window, "lineStopText").contains(QStringLiteral("SN-1")));
    CHECK(banner->width() > window.width() * 9 / 10);
    // Every line of the banner is on screen, none cut at the top or bottom.
    QApplication::processEvents();
    auto* stop_text = child<QLabel>(window, "lineStopText");
    CHECK(stop_text->text().contains(QStringLiteral("supervisor")));
    CHECK(stop_text->height() >= stop_text->heightForWidth(stop_text->width()));
    // The last plan row is the attestation, not a numbered plan step.
    CHECK(text_of(window, QStringLiteral("stepName%1").arg(plan_steps + 1).toLatin1().constData())
              .startsWith(QStringLiteral("then:")));
    CHECK_FALSE(scan_field->isEnabled());
    CHECK(text_of(window, "lineStopCount") == QStringLiteral("Line stops 1"));
    const QColor stopped = state_colour(window);
    CHECK(stopped.red() > stopped.green() + 60);
    save(window, "line-stop");

    // Scanning does nothing while the line is stopped.
    QTest::keyClicks(scan_field, QStringLiteral("SN-9\r"));
    CHECK(window.display_state() == "stopped");

    // F9: sam's card, PIN and a reason release the line.
    QTest::keyClick(&window, Qt::Key_F9);
    REQUIRE(wait_for([&] { return window.card_dialog() != nullptr; }, 5000));
    CardDialog& glass = *window.card_dialog();
    CHECK(glass.purpose() == CardDialog::Purpose::kBreakGlass);
    // The cards are offered by their holders' names and roles, read from the cards' public
    // keys and the roster before any PIN.
    auto* cards = child<QComboBox>(glass, "cardUri");
    REQUIRE(cards->count() == 2);
    CHECK(cards->itemText(1).startsWith(QStringLiteral("sam · supervisor")));
    CHECK(cards->itemText(0).startsWith(QStringLiteral("olga · operator")));
    present_card(glass, "pkcs11:token=person-sam", kReason);
    QApplication::processEvents();
    save_with_dialog(window, glass, "break-glass");
    QTest::keyClick(child<QLineEdit>(glass, "reason"), Qt::Key_Return);
    REQUIRE(wait_for([&] { return !window.busy() && !window.snapshot().stopped; }));
    CHECK_FALSE(banner->isVisible());
    CHECK(scan_field->isEnabled());
    CHECK(window.display_state() == "ready");
    CHECK(text_of(window, "messageLine").contains(QString::fromUtf8(kReason)));

    // A unit whose flash write fails: FAIL in red, with the reason.
    choose_device(window, device_c->uri());
    scan(window, "SN-2");
    REQUIRE(wait_for([&] { return !window.busy() && window.display_state() == "fail"; },
                     kUnitTimeoutMs));
    CHECK(text_of(window, "stateLabel") == QStringLiteral("FAIL"));
    const QString why = text_of(window, "stateDetail");
    CHECK(why.contains(QStringLiteral("write")));
    CHECK(why.contains(QStringLiteral("step 1 of %1").arg(plan_steps)));
    CHECK(text_of(window, "failedCount") == QStringLiteral("Failed 1"));
    CHECK(text_of(window, "passedCount") == QStringLiteral("Passed 1"));
    const QColor failed = state_colour(window);
    CHECK(failed.red() > failed.green() + 60);
    save(window, "fail");

    // F5: the failed unit is reworked on the spot, with olga's reason; it fails again here
    // (the device still refuses writes) and both attempts are in the journal.
    CHECK(text_of(window, "messageLine").contains(QStringLiteral("F5")));
    REQUIRE(child<QPushButton>(window, "reworkButton")->isEnabled());
    QTest::keyClick(&window, Qt::Key_F5);
    REQUIRE(wait_for([&] { return window.rework_dialog() != nullptr; }, 5000));
    window.rework_dialog()->setTextValue(QString::fromUtf8(kReworkReason));
    window.rework_dialog()->accept();
    REQUIRE(wait_for([&] { return !window.busy() && window.display_state() == "fail"; },
                     kUnitTimeoutMs));
    CHECK(text_of(window, "failedCount") == QStringLiteral("Failed 2"));

    // Another product's board: FAIL, nothing written, and no rework offered for it.
    choose_device(window, device_w->uri());
    scan(window, "SN-4");
    REQUIRE(wait_for([&] { return !window.busy() && window.display_state() == "fail"; },
                     kUnitTimeoutMs));
    CHECK(text_of(window, "messageLine").contains(QStringLiteral("NOT the part")));
    CHECK_FALSE(child<QPushButton>(window, "reworkButton")->isEnabled());

    // F3: olga logs out; the scan field closes.
    QTest::keyClick(&window, Qt::Key_F3);
    REQUIRE(wait_for([&] { return !window.busy() && window.display_state() == "login"; }));
    CHECK(text_of(window, "operatorLabel").contains(QStringLiteral("Nobody")));
    CHECK_FALSE(scan_field->isEnabled());
  }

  // The journal tells the same story: olga's session, sam's break-glass with the reason.
  auto line = lw.open_line();
  const auto& history = line->history();
  CHECK_FALSE(history.line_stop());
  CHECK_FALSE(history.session());
  CHECK(history.counts().break_glasses == 1);
  auto cursor = line->journal().records_since(0);
  REQUIRE(cursor);
  bool break_glass_found = false;
  bool rework_found = false;
  bool olga_session = false;
  while (true) {
    auto entry = cursor->next();
    REQUIRE(entry);
    if (!entry->has_value()) break;
    auto event = station::verify_event((*entry)->attestation_envelope, line->keys().station_key);
    REQUIRE(event);
    if (event->event() == v1::Attestation::REWORK) {
      rework_found = true;
      CHECK(event->serial() == "SN-2");
      CHECK(event->reason() == kReworkReason);
    }
    if (event->event() == v1::Attestation::BREAK_GLASS) {
      break_glass_found = true;
      CHECK(event->reason() == kReason);
    }
    if (event->event() == v1::Attestation::SESSION_START && event->operator_name() == "olga") {
      olga_session = true;
    }
  }
  CHECK(break_glass_found);
  CHECK(rework_found);
  CHECK(olga_session);
}

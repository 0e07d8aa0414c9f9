// The card dialog and the PIN's way to the token layer, without tokens.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPushButton>
#include <QTest>

#include "hsm-profiles/src/pin.h"
#include "station-agent/console/card_dialog.h"
#include "station-agent/console/pin_pipe.h"

namespace {

using hallmark::station::console::CardDialog;
using hallmark::station::console::PinPipe;

std::string_view bytes(const hallmark::hsm::Pin& pin) {
  return {reinterpret_cast<const char*>(pin.data()), pin.size()};
}

QPushButton* ok_button(CardDialog& dialog) {
  return dialog.findChild<QPushButton*>(QStringLiteral("okButton"));
}

}  // namespace

TEST_CASE("the PIN typed at login is never shown and is gone from the dialog once taken") {
  CardDialog dialog(CardDialog::Purpose::kLogin, {QStringLiteral("pkcs11:token=person-olga")}, {});
  dialog.show();
  auto* pin = dialog.findChild<QLineEdit*>(QStringLiteral("pin"));
  REQUIRE(pin != nullptr);
  CHECK(pin->echoMode() == QLineEdit::NoEcho);
  CHECK_FALSE(ok_button(dialog)->isEnabled());
  QTest::keyClicks(pin, QStringLiteral("4711-secret"));
  CHECK(pin->displayText().isEmpty());  // not even dots
  CHECK(ok_button(dialog)->isEnabled());
  const auto taken = dialog.take_pin();
  CHECK(bytes(taken) == "4711-secret");
  CHECK(pin->text().isEmpty());
  CHECK_FALSE(ok_button(dialog)->isEnabled());
}

TEST_CASE("a cancelled card dialog keeps no PIN") {
  CardDialog dialog(CardDialog::Purpose::kLogin, {QStringLiteral("pkcs11:token=person-olga")}, {});
  dialog.show();
  auto* pin = dialog.findChild<QLineEdit*>(QStringLiteral("pin"));
  QTest::keyClicks(pin, QStringLiteral("1234"));
  QTest::keyClick(pin, Qt::Key_Escape);
  CHECK(dialog.result() == QDialog::Rejected);
  CHECK(pin->text().isEmpty());
}

TEST_CASE("a break-glass without a reason cannot be submitted") {
  CardDialog dialog(CardDialog::Purpose::kBreakGlass, {QStringLiteral("pkcs11:token=person-sam")},
                    QStringLiteral("line stopped"));
  dialog.show();
  auto* pin = dialog.findChild<QLineEdit*>(QStringLiteral("pin"));
  auto* reason = dialog.findChild<QLineEdit*>(QStringLiteral("reason"));
  REQUIRE(reason != nullptr);
  QTest::keyClicks(pin, QStringLiteral("1234"));
  CHECK_FALSE(ok_button(dialog)->isEnabled());
  QTest::keyClicks(reason, QStringLiteral("   "));  // blank is no reason
  CHECK_FALSE(ok_button(dialog)->isEnabled());
  QTest::keyClicks(reason, QStringLiteral("label reprinted"));
  CHECK(ok_button(dialog)->isEnabled());
  CHECK(dialog.reason() == QStringLiteral("label reprinted"));
}

TEST_CASE("the PIN reaches the token layer on a pipe once per login and signature") {
  const hallmark::hsm::Pin typed("246810");
  auto pipe = PinPipe::carry(typed, 2);
  REQUIRE(pipe);
  const std::string source = pipe->source();
  CHECK(source.starts_with("fd:"));
  auto parsed = hallmark::hsm::parse_pin_source(source);
  REQUIRE(parsed);
  for (int i = 0; i < 2; ++i) {
    auto read = hallmark::hsm::read_pin(*parsed, "");
    REQUIRE(read);
    CHECK(bytes(*read) == "246810");
  }
  CHECK_FALSE(hallmark::hsm::read_pin(*parsed, ""));  // nothing more to read
  CHECK_FALSE(PinPipe::carry(hallmark::hsm::Pin(), 1));  // an empty PIN is refused
}

// hallmark-station-console: the station operator's Qt Widgets console (issue 8). Parses the
// same station flags as hallmark-station, opens the line on the station token with the
// CLI's open_line() on the console's worker thread, and shows OperatorWindow. No rule lives
// here. Exit codes: 0 closed normally, 2 usage.
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "verifier/tool/build_id.h"
#include <QApplication>

#include "hsm-profiles/src/secret_process.h"
#include "station-agent/cli/station_token.h"
#include "station-agent/console/card_dialog.h"
#include "station-agent/console/console_style.h"
#include "station-agent/console/line_engine.h"
#include "station-agent/console/operator_window.h"
#include "station-agent/console/pin_pipe.h"

namespace {

using namespace hallmark;
using namespace hallmark::station;
using namespace hallmark::station::console;

QStringList to_list(const std::vector<std::string>& items) {
  QStringList list;
  for (const auto& item : items) list << QString::fromStdString(item);
  return list;
}

int run(int argc, char** argv) {
  QApplication app(argc, argv);  // takes Qt's own flags out of argv first
  CLI::App cli("The station operator's console: scan, program, line stop and break-glass, "
               "operator login with their card",
               "hallmark-station-console");
  cli.set_version_flag("--version", version_text("hallmark-station-console"));
  LineCliOptions line;
  add_line_options(cli, line);
  std::string bundle;
  std::vector<std::string> devices;
  std::vector<std::string> cards;
  hsm::TokenOptions card;
  cli.add_option("--bundle", bundle, "The accepted bundle: its SKU (newest accepted) or digest")
      ->required();
  cli.add_option("--device", devices, "A device to offer: sim:SOCKET or cmd:CONFIG (repeatable)");
  cli.add_option("--card", cards, "A person card's pkcs11: URI to offer at login (repeatable)");
  cli.add_option("--card-profile", card.profile,
                 "HSM profile of the person cards; default: detected from the module and card");
  cli.add_option("--card-module", card.module, "PKCS#11 module of the person cards");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }
  // One --allow-software-token covers the station token and the person cards.
  card.allow_software_token = line.token.allow_software_token;

  // "prompt" cannot read a terminal from a window: the PIN is asked in a dialog instead and
  // handed over on a pipe (PinPipe), never in argv or the environment.
  auto station_pin = std::make_shared<std::optional<hsm::Pin>>();
  if (line.token.pin == "prompt") {
    CardDialog ask(CardDialog::Purpose::kStationToken, {QString::fromStdString(line.token.uri)},
                   QStringLiteral("State directory %1").arg(QString::fromStdString(line.state)));
    ask.setStyleSheet(console_style_sheet());
    if (ask.exec() != QDialog::Accepted) return 0;
    station_pin->emplace(ask.take_pin());
  }

  EngineOptions options;
  options.bundle = bundle;
  options.card = card;
  options.cards = to_list(cards);
  options.open_line = [line, station_pin]() -> Result<LineHandle> {
    LineCliOptions o = line;
    std::optional<PinPipe> pipe;
    if (station_pin->has_value()) {
      auto carried = PinPipe::carry(**station_pin, 1);
      station_pin->reset();  // wiped
      if (!carried) return std::unexpected(carried.error());
      pipe.emplace(std::move(*carried));
      o.token.pin = pipe->source();
    }
    std::ostringstream status;
    auto opened = open_line(o, status);
    if (!opened) return std::unexpected(opened.error());
    std::shared_ptr<OpenedLine> owner(std::move(*opened));
    return LineHandle(owner, &owner->line());
  };
  ConsoleThread worker(std::move(options));
  OperatorWindow window(worker, WindowOptions{to_list(devices), to_list(cards)});
  window.show();
  return QApplication::exec();
}

}  // namespace

int main(int argc, char** argv) {
  if (!hallmark::hsm::protect_secret_process_or_report("hallmark-station-console")) {
    return hallmark::kExitInternal;
  }
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "hallmark-station-console: " << e.what() << "\n";
    return 4;
  } catch (...) {
    std::cerr << "hallmark-station-console: unexpected error\n";
    return 4;
  }
}

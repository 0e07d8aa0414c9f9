// hallmark-custodian-console: the custodians' ceremony console (Qt Widgets). main only
// builds the window; every rule is the ceremony library's.
#include <QApplication>
#include <QCommandLineParser>

#include <exception>
#include <iostream>

#include "ceremony/console/custodian_window.h"
#include "ceremony/console/file_field.h"
#include "ceremony/console/open_ceremony_page.h"
#include "hsm-profiles/src/secret_process.h"
#include "verifier/core/error.h"
#include "verifier/tool/build_id.h"

int main(int argc, char** argv) {
  if (!hallmark::hsm::protect_secret_process_or_report("hallmark-custodian-console")) {
    return hallmark::kExitInternal;
  }
  try {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("hallmark-custodian-console"));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Hallmark custodian console: run key ceremonies (init, approve, "
                       "enroll-station, rotate, revoke) and read their transcripts."));
    QApplication::setApplicationVersion(
        QString::fromUtf8(hallmark::build_id().data(),
                          static_cast<qsizetype>(hallmark::build_id().size())));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption plan(QStringLiteral("plan"), QStringLiteral("Ceremony plan to open"),
                            QStringLiteral("FILE"));
    parser.addOption(plan);
    parser.process(app);
    hallmark::ceremony::console::CustodianWindow window;
    if (parser.isSet(plan)) window.open_page()->plan_field()->set_text(parser.value(plan));
    window.show();
    return QApplication::exec();
  } catch (const std::exception& e) {
    std::cerr << "hallmark-custodian-console: " << e.what() << '\n';
    return hallmark::kExitInternal;
  } catch (...) {
    std::cerr << "hallmark-custodian-console: unexpected failure\n";
    return hallmark::kExitInternal;
  }
}

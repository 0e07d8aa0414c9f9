// The doctest main of the console suites (hallmark::qt_test_main): the widgets need a
// QApplication, offscreen unless the caller chose a platform, so the suites run headless.
// Qt sees only the program name; every argument is doctest's.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <QApplication>

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  int qt_argc = 1;
  QApplication app(qt_argc, argv);
  doctest::Context context(argc, argv);
  return context.run();
}

#include "station-agent/console/console_style.h"

#include <QStyle>
#include <QVariant>
#include <QWidget>

namespace hallmark::station::console {

QString console_style_sheet() {
  return QStringLiteral(R"css(
    QWidget { font-size: 13pt; }
    QLabel#stateLabel { font-size: 64pt; font-weight: bold; border-radius: 10px; padding: 8px; }
    QLabel#stateLabel[state="starting"], QLabel#stateLabel[state="login"] { background: #e5e7eb; color: #1f2937; }
    QLabel#stateLabel[state="ready"] { background: #dbeafe; color: #1e3a8a; }
    QLabel#stateLabel[state="programming"] { background: #1d4ed8; color: white; }
    QLabel#stateLabel[state="pass"] { background: #15803d; color: white; }
    QLabel#stateLabel[state="fail"], QLabel#stateLabel[state="stopped"] { background: #b91c1c; color: white; }
    QLabel#stateLabel[state="refused"] { background: #b45309; color: white; }
    QLabel#stateDetail { font-size: 18pt; }
    QFrame#lineStopBanner { background: #b91c1c; border-radius: 6px; }
    QFrame#lineStopBanner QLabel { color: white; font-size: 20pt; font-weight: bold; }
    QFrame#lineStopBanner QPushButton { font-size: 16pt; font-weight: bold; padding: 8px 18px; }
    QLineEdit#scanField { font-size: 26pt; padding: 6px; }
    QLabel#scanLabel { font-size: 18pt; font-weight: bold; }
    QLabel#operatorLabel, QLabel#stationLabel { font-size: 15pt; font-weight: bold; }
    QLabel#bundleInfo { font-size: 12pt; }
    QLabel#bundleInfo[state="missing"] { color: #b91c1c; font-weight: bold; }
    QLabel[role="counter"] { font-size: 20pt; font-weight: bold; }
    QLabel[role="stepName"][state="fail"] { color: #b91c1c; font-weight: bold; }
    QLabel[role="stepName"][state="done"] { color: #15803d; }
    QLabel[role="stepName"][state="running"] { color: #1d4ed8; font-weight: bold; }
    QLabel#messageLine[state="error"] { color: #b91c1c; font-weight: bold; }
    QLabel#dialogHeading { font-size: 18pt; font-weight: bold; }
    QProgressBar { min-height: 18px; }
  )css");
}

void set_state_property(QWidget* widget, const char* state) {
  if (widget->property("state").toString() == QLatin1String(state)) return;
  widget->setProperty("state", QString::fromLatin1(state));
  widget->style()->unpolish(widget);
  widget->style()->polish(widget);
  widget->update();
}

}  // namespace hallmark::station::console

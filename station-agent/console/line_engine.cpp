#include "station-agent/console/line_engine.h"

#include <exception>
#include <sstream>
#include <utility>

#include <QMetaObject>

#include <fmt/format.h>

#include "station-agent/console/pin_pipe.h"
#include "station-agent/driver/device_driver.h"
#include "station-agent/station/card_signer.h"
#include "station-agent/station/person_events.h"

namespace hallmark::station::console {
namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }

// The plan as the operator reads it, in the words the programmer reports its steps with.
QString describe(const v1::ProvisioningStep& step) {
  switch (step.kind()) {
    case v1::ProvisioningStep::WRITE_IMAGE: return q(fmt::format("write image '{}'", step.image()));
    case v1::ProvisioningStep::VERIFY_READBACK: return q(fmt::format("read back image '{}'", step.image()));
    case v1::ProvisioningStep::PROVISION_IDENTITY: return QStringLiteral("device identity");
    case v1::ProvisioningStep::BURN_EFUSE: return q(fmt::format("burn eFuse '{}'", step.efuse()));
    case v1::ProvisioningStep::MEASURE: return QStringLiteral("measure");
    default: return QStringLiteral("unknown step");
  }
}

std::uint64_t since(std::uint64_t now, std::uint64_t base) { return now >= base ? now - base : 0; }

// Two PIN lines: the login, and one context login for a card key that asks for its PIN on
// every signature (each action signs one statement).
constexpr int kPinCopies = 2;

}  // namespace

LineEngine::LineEngine(EngineOptions options) : options_(std::move(options)) {}

LineEngine::~LineEngine() = default;

template <typename Fn>
void LineEngine::guarded(const QString& action, Fn&& fn) {
  // A slot never lets an exception out: the worker thread's event loop must go on.
  try {
    fn();
  } catch (const std::exception& e) {
    emit actionFailed(action, QStringLiteral("internal error: %1").arg(QString::fromUtf8(e.what())));
  } catch (...) {
    emit actionFailed(action, QStringLiteral("internal error"));
  }
}

void LineEngine::open() {
  guarded(QStringLiteral("open"), [&] {
    auto line = options_.open_line ? options_.open_line()
                                   : Result<LineHandle>(fail(ErrorCode::kUsage, "no line to open"));
    if (!line) {
      open_error_ = q(line.error().message);
      publish();
      emit actionFailed(QStringLiteral("open"), open_error_);
      return;
    }
    line_ = std::move(*line);
    open_error_.clear();
    auto release = load_release(*line_, options_.bundle);
    if (release) {
      release_.emplace(std::move(*release));
      release_error_.clear();
    } else {
      release_error_ = q(release.error().message);
    }
    rebase_shift();
    card_holders_.clear();
    for (const QString& card : options_.cards) card_holders_.insert(card, card_holder(card));
    publish();
    QString opened = QStringLiteral("line open: station %1, %2 journal records")
                         .arg(q(line_->station_id().str()))
                         .arg(line_->journal().head().sequence);
    if (const auto& torn = line_->recovered_tail()) {
      opened += QStringLiteral(" — JOURNAL REPAIRED: a torn write of %1 bytes at offset %2 "
                               "was cut (%3); recorded as journal record %4")
                    .arg(torn->bytes)
                    .arg(torn->offset)
                    .arg(q(torn->reason))
                    .arg(line_->repair_sequence().value_or(0));
    }
    emit actionDone(QStringLiteral("open"), opened);
  });
}

template <typename Use>
void LineEngine::with_card(const QString& action, const QString& card_uri,
                           std::shared_ptr<hsm::Pin> pin, Use&& use) {
  auto pipe = pin ? PinPipe::carry(*pin, kPinCopies) : PinPipe::carry(hsm::Pin(), 0);
  if (pin) *pin = hsm::Pin();  // wiped: the pipe carries it now
  if (!line_) {
    emit actionFailed(action, QStringLiteral("the line is not open: %1").arg(open_error_));
    return;
  }
  if (!pipe) {
    emit actionFailed(action, q(pipe.error().message));
    return;
  }
  hsm::TokenOptions card = options_.card;
  card.uri = card_uri.trimmed().toStdString();
  card.pin = pipe->source();
  std::ostringstream status;
  auto opened = open_card(card, status);
  if (!opened) {
    emit actionFailed(action, q(opened.error().message));
    return;
  }
  use(opened->signer());
}

void LineEngine::login(const QString& card_uri, std::shared_ptr<hsm::Pin> pin) {
  const QString action = QStringLiteral("login");
  guarded(action, [&] {
    with_card(action, card_uri, std::move(pin), [&](const CardSigner& signer) {
      auto sequence = start_session(*line_, signer);
      if (!sequence) {
        emit actionFailed(action, q(sequence.error().message));
        return;
      }
      rebase_shift();
      publish();
      const auto& session = line_->history().session();
      emit actionDone(action, QStringLiteral("%1 logged in (record %2)")
                                  .arg(session ? q(session->operator_name) : QString())
                                  .arg(*sequence));
    });
  });
}

void LineEngine::logout() {
  guarded(QStringLiteral("logout"), [&] {
    const QString action = QStringLiteral("logout");
    if (!line_) {
      emit actionFailed(action, QStringLiteral("the line is not open"));
      return;
    }
    const auto& session = line_->history().session();
    const QString who = session ? q(session->operator_name) : QString();
    auto sequence = end_session(*line_);
    if (!sequence) {
      emit actionFailed(action, q(sequence.error().message));
      return;
    }
    rebase_shift();
    publish();
    emit actionDone(action, QStringLiteral("%1 logged out (record %2)").arg(who).arg(*sequence));
  });
}

void LineEngine::program(const QString& serial, const QString& device_uri) {
  run_unit(QStringLiteral("program"), device_uri, UnitRequest{Serial(serial.toStdString()), UnitMode::kProgram, {}});
}

void LineEngine::rework(const QString& serial, const QString& device_uri, const QString& reason) {
  run_unit(QStringLiteral("rework"), device_uri,
           UnitRequest{Serial(serial.toStdString()), UnitMode::kRework, reason.toStdString()});
}

void LineEngine::run_unit(const QString& action, const QString& device_uri, const UnitRequest& request) {
  guarded(action, [&] {
    const QString serial = q(request.serial.str());
    UnitReport report;
    report.serial = serial;
    report.rework = request.mode == UnitMode::kRework;
    const auto refuse = [&](const QString& why) {
      report.state = UnitState::kRefused;
      report.detail = why;
      publish();
      emit unitFinished(report);
    };
    if (!line_) return refuse(QStringLiteral("the line is not open: %1").arg(open_error_));
    if (!release_) {
      return refuse(QStringLiteral("no bundle to program: %1").arg(release_error_));
    }
    emit unitStarted(serial);
    auto device = device::open_driver(device_uri.toStdString());
    if (!device) return refuse(q(device.error().message));

    // Reports each step once when it starts and then only when its percentage moves: a
    // write calls back per chunk, far more often than a screen can show.
    StepUpdate last;
    const StepObserver observe = [&](const StepProgress& p) {
      StepUpdate update{p.step, p.steps, q(p.what),
                        p.total == 0 ? 0 : static_cast<int>(p.done * 100 / p.total)};
      if (update.step == last.step && update.percent == last.percent) return;
      last = update;
      emit stepProgress(update);
    };
    auto outcome = program_unit(*line_, *release_, **device, request, observe);
    if (!outcome) return refuse(q(outcome.error().message));
    report.hardware_id = q(outcome->hardware_id.str());
    report.detail = q(outcome->detail);
    report.sequence = outcome->sequence;
    report.wrong_device = outcome->wrong_device;
    switch (outcome->verdict) {
      case UnitVerdict::kPass: report.state = UnitState::kPass; break;
      case UnitVerdict::kFail: report.state = UnitState::kFail; break;
      case UnitVerdict::kLineStopped: report.state = UnitState::kLineStopped; break;
    }
    publish();
    emit unitFinished(report);
  });
}

void LineEngine::breakGlass(const QString& card_uri, std::shared_ptr<hsm::Pin> pin,
                            const QString& reason) {
  const QString action = QStringLiteral("break-glass");
  guarded(action, [&] {
    with_card(action, card_uri, std::move(pin), [&](const CardSigner& signer) {
      auto sequence = break_glass(*line_, signer, reason.toStdString());
      if (!sequence) {
        emit actionFailed(action, q(sequence.error().message));
        return;
      }
      publish();
      emit actionDone(action, QStringLiteral("line released (record %1); reason recorded: %2")
                                  .arg(*sequence)
                                  .arg(reason));
    });
  });
}

void LineEngine::close() {
  release_.reset();
  line_.reset();
}

void LineEngine::rebase_shift() {
  if (line_) shift_base_ = line_->history().counts();
}

QString LineEngine::card_holder(const QString& uri) const {
  hsm::TokenOptions card = options_.card;
  card.uri = uri.trimmed().toStdString();
  auto key = read_card_public_key(card);
  if (!key) return QStringLiteral("card not readable");
  const auto* roster = line_->history().roster();
  if (roster == nullptr) return QStringLiteral("no roster installed");
  for (const auto& person : roster->roster.people()) {
    if (person.key().key_id() != key->key_id()) continue;
    const QString role = person.role() == v1::OperatorEntry::SUPERVISOR ? QStringLiteral("supervisor")
                                                                          : QStringLiteral("operator");
    return QStringLiteral("%1 · %2").arg(q(person.name()), role);
  }
  return QStringLiteral("not on roster v%1").arg(roster->roster.version());
}

LineSnapshot LineEngine::snapshot() const {
  LineSnapshot s;
  s.open_error = open_error_;
  if (!line_) return s;
  s.open = true;
  s.card_holders = card_holders_;
  const auto& history = line_->history();
  s.station_id = q(line_->station_id().str());
  if (const auto& session = history.session()) {
    s.operator_name = q(session->operator_name);
    s.session_id = q(session->id);
  }
  if (const auto& stop = history.line_stop()) {
    s.stopped = true;
    s.stop_sequence = stop->sequence;
    s.stop_cause = q(stop->cause);
  }
  s.journal_records = line_->journal().head().sequence;
  const auto& now = history.counts();
  s.shift = ShiftCounters{since(now.passed, shift_base_.passed),
                          since(now.failed, shift_base_.failed),
                          since(now.line_stops, shift_base_.line_stops)};
  auto& b = s.bundle;
  if (!release_) {
    b.error = release_error_;
    return s;
  }
  const auto& verified = release_->release;
  b.loaded = true;
  b.sku = q(verified.release.sku());
  b.version = q(verified.release.version());
  b.security_counter = verified.release.security_counter();
  b.channel = q(verified.release.channel());
  b.digest = q(verified.bundle_digest.hex());
  for (const auto& name : verified.approvals.approvers) b.approvers << q(name);
  b.threshold = verified.approvals.threshold;
  for (const auto& step : verified.bundle.plan()) b.plan_steps << describe(step);
  b.plan_steps << QStringLiteral("measure and attest");
  return s;
}

void LineEngine::publish() { emit snapshotChanged(snapshot()); }

ConsoleThread::ConsoleThread(EngineOptions options)
    : engine_(new LineEngine(std::move(options))) {
  register_console_types();
  thread_.setObjectName(QStringLiteral("hallmark-line"));
  engine_->moveToThread(&thread_);
  thread_.start();
}

ConsoleThread::~ConsoleThread() {
  // The line (journal lock, station token session) is let go on the thread that used it.
  QMetaObject::invokeMethod(engine_, [e = engine_] { e->close(); }, Qt::BlockingQueuedConnection);
  thread_.quit();
  thread_.wait();
  delete engine_;
}

void ConsoleThread::post(std::function<void(LineEngine&)> fn) const {
  QMetaObject::invokeMethod(engine_, [e = engine_, fn = std::move(fn)] { fn(*e); },
                            Qt::QueuedConnection);
}

void register_console_types() {
  qRegisterMetaType<LineSnapshot>();
  qRegisterMetaType<StepUpdate>();
  qRegisterMetaType<UnitReport>();
}

}  // namespace hallmark::station::console

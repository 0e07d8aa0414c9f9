// TokenPanel: the cards and tokens present right now (label, serial, whose card, PIN
// state), polled from the PKCS#11 modules of the plan every second so insertions and
// removals show without a click. Display only; never logs in. GUI thread only.
#pragma once

#include <QWidget>

#include <vector>

#include "ceremony/console/token_watch.h"

class QLabel;
class QTableWidget;
class QTimer;

namespace hallmark::ceremony::console {

class TokenPanel : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kPollMilliseconds = 1000;

  explicit TokenPanel(QWidget* parent = nullptr);

  void set_watch(TokenWatch watch);
  // Shown instead of the list when the plan's modules cannot be loaded.
  void set_problem(const QString& text);
  const std::vector<PresentToken>& tokens() const noexcept { return tokens_; }
  QString status_text() const;
  QTableWidget* table() const noexcept { return table_; }

 public slots:
  void refresh();

 signals:
  void tokensChanged(int count);

 private:
  void show_tokens();

  TokenWatch watch_;
  std::vector<PresentToken> tokens_;
  QTableWidget* table_ = nullptr;
  QLabel* status_ = nullptr;
  QTimer* timer_ = nullptr;
};

}  // namespace hallmark::ceremony::console

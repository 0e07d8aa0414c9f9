// An editable list shown by name with a value behind each entry (a device's URI, a card's
// URI, as QComboBox item data): the value of the listed entry chosen, or what was typed in.
// GUI thread only.
#pragma once

#include <QComboBox>
#include <QString>

namespace hallmark::station::console {

[[nodiscard]] inline QString chosen_value(const QComboBox& box) {
  const int i = box.currentIndex();
  if (i >= 0 && box.itemText(i) == box.currentText()) {
    const QString value = box.itemData(i).toString();
    if (!value.isEmpty()) return value;
  }
  return box.currentText().trimmed();
}

}  // namespace hallmark::station::console

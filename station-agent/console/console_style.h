// The operator console's look: one style sheet for the window and its dialogs — readable
// at 1280×800 from a step away (text ≥ 12 pt, the state in very large type), colours that
// carry the state (green PASS, red FAIL and LINE STOPPED, blue PROGRAMMING, amber for a unit
// refused before anything was recorded). Widgets pick their colour by the dynamic property
// "state"; repolish() makes a changed property show. GUI thread only.
#pragma once

#include <QString>

class QWidget;

namespace hallmark::station::console {

inline constexpr int kDefaultWidth = 1280;
inline constexpr int kDefaultHeight = 800;

[[nodiscard]] QString console_style_sheet();

// Sets `widget`'s "state" property and re-applies the style sheet to it.
void set_state_property(QWidget* widget, const char* state);

}  // namespace hallmark::station::console

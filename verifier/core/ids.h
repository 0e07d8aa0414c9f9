// Serial, HardwareId, StationId: the three names a unit's evidence hangs on, as distinct
// types, so a call that takes two of them cannot be given them the wrong way round
// (docs/architecture.md, "Typed ids").
//
// Each is a string underneath (what a label says, what a device reports, what a station is
// registered as); construction from a string is explicit, and there is no conversion from
// one kind to another, so binding_conflict(hardware_id, serial) does not compile. They
// compare, hash (std::hash) and format (fmt) as their string. The form each must have
// (characters, length) is checked where it enters (check_serial, check_hardware_id,
// registration), not here. Plain values; thread-safe as std::string.
#pragma once

#include <compare>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace hallmark {

template <class Tag>
class TypedId {
 public:
  TypedId() = default;
  explicit TypedId(std::string value) : value_(std::move(value)) {}
  explicit TypedId(std::string_view value) : value_(value) {}
  explicit TypedId(const char* value) : value_(value) {}

  [[nodiscard]] const std::string& str() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }

  friend bool operator==(const TypedId&, const TypedId&) = default;
  friend std::strong_ordering operator<=>(const TypedId&, const TypedId&) = default;

 private:
  std::string value_;
};

struct SerialTag {};
struct HardwareIdTag {};
struct StationIdTag {};

using Serial = TypedId<SerialTag>;          // printed on the unit's label
using HardwareId = TypedId<HardwareIdTag>;  // read from the device (e.g. its MAC or chip id)
using StationId = TypedId<StationIdTag>;    // a station, as its registration names it

// An optional flag's text as an id, an absent flag staying absent: how a command line's
// --serial, --hardware-id or --station enters as its type.
template <class Id>
[[nodiscard]] std::optional<Id> optional_id(const std::optional<std::string>& text) {
  return text ? std::optional<Id>(Id(*text)) : std::nullopt;
}

}  // namespace hallmark

template <class Tag>
struct std::hash<hallmark::TypedId<Tag>> {
  std::size_t operator()(const hallmark::TypedId<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.str());
  }
};

template <class Tag>
struct fmt::formatter<hallmark::TypedId<Tag>> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const hallmark::TypedId<Tag>& id, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(id.str(), ctx);
  }
};

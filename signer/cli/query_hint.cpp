#include "signer/cli/query_hint.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace hallmark::signer {
namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Values shown to a person: printable ASCII only (a serial is data, not terminal commands).
std::string printable(const std::string& s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

}  // namespace

Result<std::string> no_match_hint(evidence::EvidenceStore& store,
                                  const evidence::EntryQuery& query) {
  const bool by_serial = query.serial.has_value();
  if (!by_serial && !query.hardware_id) return std::string();
  bool found = false;
  auto matched = store.query(query, [&found](const evidence::LogEntry&) -> Result<void> {
    found = true;
    return {};
  });
  if (!matched) return std::unexpected(matched.error());
  if (found) return std::string();

  const std::string wanted = by_serial ? *query.serial : *query.hardware_id;
  const char* what = by_serial ? "serial" : "hardware id";
  auto size = store.tree_size();
  if (!size) return std::unexpected(size.error());
  std::set<std::string> values;
  auto listed = store.for_each_entry(0, *size, [&](const evidence::LogEntry& e) -> Result<void> {
    const std::string& v = by_serial ? e.serial : e.hardware_id;
    if (!v.empty()) values.insert(v);
    return {};
  });
  if (!listed) return std::unexpected(listed.error());
  if (values.empty()) {
    return fmt::format("no entry for {} {}: the store {} holds no unit yet", what,
                       printable(wanted), store.location());
  }
  std::vector<std::pair<std::size_t, std::string>> ranked;
  for (const auto& v : values) ranked.emplace_back(edit_distance(wanted, v), v);
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> nearest;
  for (std::size_t i = 0; i < ranked.size() && i < 3; ++i) {
    nearest.push_back(printable(ranked[i].second));
  }
  return fmt::format("no entry for {} {} (a {} is matched exactly); the nearest of the {} {}s "
                     "in this store ({} .. {}): {}",
                     what, printable(wanted), what, values.size(), what,
                     printable(*values.begin()), printable(*values.rbegin()),
                     fmt::join(nearest, ", "));
}

}  // namespace hallmark::signer

#include "signer/cli/query_hint.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "verifier/core/printable.h"
#include "verifier/tool/command_line.h"

namespace hallmark::signer {

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

  const std::string wanted = by_serial ? query.serial->str() : query.hardware_id->str();
  const char* what = by_serial ? "serial" : "hardware id";
  auto size = store.tree_size();
  if (!size) return std::unexpected(size.error());
  std::set<std::string> values;
  auto listed = store.for_each_entry(0, *size, [&](const evidence::LogEntry& e) -> Result<void> {
    const std::string& v = by_serial ? e.serial.str() : e.hardware_id.str();
    if (!v.empty()) values.insert(v);
    return {};
  });
  if (!listed) return std::unexpected(listed.error());
  if (values.empty()) {
    return fmt::format("no entry for {} {}: the store {} holds no unit yet", what,
                       verifier::printable(wanted), store.location());
  }
  std::vector<std::pair<std::size_t, std::string>> ranked;
  for (const auto& v : values) ranked.emplace_back(tool::edit_distance(wanted, v), v);
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> nearest;
  for (std::size_t i = 0; i < ranked.size() && i < 3; ++i) {
    nearest.push_back(verifier::printable(ranked[i].second));
  }
  return fmt::format("no entry for {} {} (a {} is matched exactly); the nearest of the {} {}s "
                     "in this store ({} .. {}): {}",
                     what, verifier::printable(wanted), what, values.size(), what,
                     verifier::printable(*values.begin()), verifier::printable(*values.rbegin()),
                     fmt::join(nearest, ", "));
}

}  // namespace hallmark::signer

#include "signer/store/store_statements.h"

#include <fmt/format.h>

#include <charconv>

namespace hallmark::evidence::statements {

void write_kinds(const std::vector<int>& kinds, std::string& out) {
  out.clear();
  for (int kind : kinds) {
    if (!out.empty()) out += ';';
    out += std::to_string(kind);
  }
}

bool read_kinds(std::string_view text, std::vector<int>& out) {
  out.clear();
  while (!text.empty()) {
    const auto end = std::min(text.find(';'), text.size());
    int kind = 0;
    const auto [at, ec] = std::from_chars(text.data(), text.data() + end, kind);
    if (ec != std::errc() || at != text.data() + end) return false;
    out.push_back(kind);
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return true;
}


std::string with_unit_events(std::string_view sql) {
  std::string list;
  for (int event : kBindingEvents) list += (list.empty() ? "" : ", ") + std::to_string(event);
  std::string out(sql);
  for (auto at = out.find("{UNIT}"); at != std::string::npos; at = out.find("{UNIT}", at)) {
    out.replace(at, 6, list);
  }
  return out;
}

// SQLite looks each value of an IN list up in the index. PostgreSQL plans a long IN list
// against a table it has no statistics for yet (a store grown inside one countersign
// transaction) as a scan of the whole table: 15 ms a query at 40 000 entries, growing with
// the store. There every value is looked up on its own, in a lateral subquery the planner
// may not flatten into a join it could plan the same way (OFFSET 0): 0.5 ms at any size.
std::string sightings_prefetch_sql(sql::Dialect dialect) {
  std::string places;
  std::string rows;
  for (int i = 0; i < kPrefetchWidth; ++i) {
    places += i == 0 ? "?" : ", ?";
    rows += i == 0 ? "(?)" : ", (?)";
  }
  if (dialect == sql::Dialect::kPostgres) {
    return with_unit_events(fmt::format(
        "SELECT 0, e.serial, e.hardware_id, e.event, e.idx FROM (VALUES {0}) AS k(v) CROSS JOIN "
        "LATERAL (SELECT serial, hardware_id, event, idx FROM entries WHERE serial = k.v AND "
        "serial <> '' AND hardware_id <> '' AND event IN ({{UNIT}}) OFFSET 0) e UNION ALL "
        "SELECT 1, e.serial, e.hardware_id, e.event, e.idx FROM (VALUES {0}) AS k(v) CROSS JOIN "
        "LATERAL (SELECT serial, hardware_id, event, idx FROM entries WHERE hardware_id = k.v AND "
        "hardware_id <> '' AND event IN ({{UNIT}}) OFFSET 0) e", rows));
  }
  return with_unit_events(fmt::format(
      "SELECT 0, serial, hardware_id, event, idx FROM entries WHERE serial IN ({0}) AND serial "
      "<> '' AND hardware_id <> '' AND event IN ({{UNIT}}) UNION ALL "
      "SELECT 1, serial, hardware_id, event, idx FROM entries WHERE hardware_id IN ({0}) AND "
      "hardware_id <> '' AND event IN ({{UNIT}})", places));
}

}  // namespace hallmark::evidence::statements

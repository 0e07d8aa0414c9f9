// What the evidence commands print: query results as a table, CSV or JSON lines (one
// v1::LogEntryRecord per line, streamed), and countersign's summary as text or as a
// v1::CountersignReport.
#pragma once

#include <ostream>
#include <string>

#include "signer/evidence/countersign.h"
#include "signer/store/evidence_store.h"

namespace hallmark::signer {

enum class QueryFormat { kText, kCsv, kJson };

[[nodiscard]] Result<void> print_query(evidence::EvidenceStore& store,
                                       const evidence::EntryQuery& query, QueryFormat format,
                                       std::ostream& out);

[[nodiscard]] std::string render_countersign(const evidence::CountersignResult& result);
[[nodiscard]] std::string countersign_json(const evidence::CountersignResult& result);

}  // namespace hallmark::signer

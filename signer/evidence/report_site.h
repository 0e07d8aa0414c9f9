// Writes the auditor's report as a static site (hallmark-signer report --html DIR): the
// pages of report_html.h for an AuditReport, each listed unit's history (the same store
// query as `hallmark-signer query --serial`) and its manifest files (manifest_files.h), so
// every page links to files that verify offline with the trust root alone.
//
// Which units get a page: those the AuditReport lists (units with an exception in its
// weeks, at most AuditRange::max_serials of them) and those asked for by serial; never
// every unit, so a store of ten million units writes a site of the size of its exceptions.
//
// All or nothing: the site is built in a temporary directory beside DIR (fsynced) and
// renamed into place; an existing DIR is replaced in one atomic exchange, and only when it
// is a site this function wrote (it holds the marker file kSiteMarker), so a mistyped DIR
// never deletes someone's files. On any failure the temporary directory is removed and DIR
// is as it was. Reads the store only; one store object per thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "signer/evidence/audit_report.h"
#include "signer/store/evidence_store.h"

namespace hallmark::evidence {

inline constexpr std::string_view kSiteMarker = ".hallmark-report";

struct SiteWritten {
  std::size_t pages = 0;
  std::size_t units = 0;       // units with a page
  std::uint64_t manifests = 0;  // manifest files written
};

// `serials`: units to give a page besides the report's exception units; kUsage naming a
// serial the store has no entry for.
[[nodiscard]] Result<SiteWritten> write_report_site(EvidenceStore& store, const AuditReport& report,
                                                    const std::vector<std::string>& serials,
                                                    const std::filesystem::path& dir,
                                                    std::int64_t now_unix);

}  // namespace hallmark::evidence

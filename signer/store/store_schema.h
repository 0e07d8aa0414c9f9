// The evidence store's schema: the tables and indexes, the column types of each dialect,
// and the version check every open runs. Internal to signer/store.
#pragma once

#include "signer/store/sql_connection.h"
#include "verifier/core/error.h"

namespace hallmark::evidence {

// The schema this program writes and reads.
// 2: entries name a firmware set (was: their own digests indexed per entry).
// 3: releases keep their Bundle and PromotedRelease (the claims a unit event is compared
//    with), station heads their last device tool, and the registration each station's
//    entries were countersigned under (manifest files are written again from the store).
// 4: a manifest holds the attestation envelope in binary (ProvisioningManifest field 13);
//    SCRAP events have their own small index (entries_scraps).
// 5: manifests in a table of their own; entries carry who, why and the findings' kinds
//    (a listing reads no manifest).
// 6: the promoted station-software releases countersign has seen, with their promotion
//    (signer/evidence/station_software.h); a version-5 store gains the two tables on open.
inline constexpr std::int64_t kSchemaVersion = 6;

// v1::Attestation::SCRAP as stored in entries.event: queries ask for it, and the schema's
// partial index entries_scraps holds only those rows.
inline constexpr int kScrapEvent = 3;

// Creates the schema when the database has none; brings a version-5 store to 6 (adds the
// station-software tables); refuses (kIo) a database whose schema
// version is newer than kSchemaVersion. Runs in its own transaction (the write lock), so
// several processes opening a fresh database at once create it once.
[[nodiscard]] Result<void> ensure_schema(sql::Connection& db);

}  // namespace hallmark::evidence

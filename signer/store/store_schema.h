// The evidence store's schema: the tables and indexes, the column types of each dialect,
// and the version check every open runs. Internal to signer/store.
#pragma once

#include "signer/store/sql_connection.h"
#include "verifier/core/error.h"

namespace hallmark::evidence {

// The schema this program writes and reads.
// 2: entries name a firmware set (was: their own digests indexed per entry).
inline constexpr std::int64_t kSchemaVersion = 2;

// Creates the schema when the database has none; refuses (kIo) a database whose schema
// version is newer than kSchemaVersion. Runs in its own transaction (the write lock), so
// several processes opening a fresh database at once create it once.
[[nodiscard]] Result<void> ensure_schema(sql::Connection& db);

}  // namespace hallmark::evidence

// Store locations: which backend a location names, what to connect to, and how errors
// show it (never with a password). Internal to signer/store; pure string work.
#pragma once

#include <string>
#include <string_view>

#include "verifier/core/error.h"

namespace hallmark::evidence {

// Where a location points and how errors name it.
struct Target {
  enum Kind { kSqlite, kPostgres } kind = kSqlite;
  std::string connect;  // file path or libpq conninfo
  std::string display;
};

// A plain path or "sqlite:PATH" -> SQLite; "postgresql://...", "postgres://..." (libpq URI)
// or "postgres:CONNINFO" -> PostgreSQL; any other "scheme:" (no '/' before the colon) is
// kUsage naming it.
[[nodiscard]] Result<Target> parse_location(std::string_view location);

// `conninfo` with any password value replaced by "***" (URI userinfo, URI query parameter,
// or keyword/value, quoted or not).
[[nodiscard]] std::string redact_conninfo(std::string_view conninfo);

}  // namespace hallmark::evidence

// The evidence store's behaviour, written once and run against every backend
// (sqlite_store_test.cpp: label unit; postgres_store_test.cpp: label postgres).
#pragma once

#include "tests/store/store_test_support.h"

// X(function, "test name: the fault it covers")
#define HALLMARK_STORE_SCENARIOS(X)                                                              \
  X(round_trip, "every method reads back exactly what was stored")                               \
  X(rollback_restores, "a countersign rolled back halfway leaves entries, nodes, heads, "        \
                       "checkpoints and findings as they were")                                  \
  X(firmware_sets, "units with the same firmware share one set and a rolled-back set is "      \
                    "made again")                                                                \
  X(savepoint_undoes_one_export, "a savepoint rolled back undoes only the writes after it")     \
  X(destroy_discards, "a store destroyed mid-transaction keeps nothing of it")                   \
  X(writes_need_transaction, "writes outside begin()..commit() are refused")                     \
  X(wrong_index_refused, "an append that skips or repeats a log index is refused")               \
  X(failed_write_poisons, "a transaction with a failed write cannot be committed")               \
  X(missing_node, "a missing Merkle node is an internal error naming the node")                  \
  X(reopen_keeps_data, "committed evidence survives closing and reopening the store")            \
  X(queries, "traceability queries match every set field and return entries in log order")      \
  X(listing_without_manifests, "a listing that asks for no manifests reads every other column "  \
                               "as stored")                                                      \
  X(damaged_kinds_refused, "a damaged list of finding kinds is an internal error naming the "    \
                           "entry")                                                              \
  X(clone_helpers, "clone checks list each value once with the first log index, units only")     \
  X(prefetched_sightings, "sightings prefetched for a chunk answer as the database does, with "  \
                          "the entries appended since and without those a savepoint undid")    \
  X(scrap_found, "a scrapped hardware id is found by its first SCRAP event")                     \
  X(release_conflict, "a release stored again with different contents is refused")              \
  X(station_software_once, "a station-software release recorded twice is kept once, as first "   \
                           "recorded, its promotion entries never mixed with another's")        \
  X(stream_stops, "a callback error stops a stream and is returned unchanged")                   \
  X(nested_calls, "the store answers other calls from inside a streaming callback")              \
  X(newer_schema_refused, "a store written by a newer schema version is refused")         \
  X(older_schema_refused, "a store of a pre-release schema is refused and says what to do")       \
  X(schema_5_gains_station_software, "a store of schema 5 opens, keeps its evidence and gains "  \
                                     "the station-software tables")

namespace hallmark::evidence::test::scenario {

#define HALLMARK_DECLARE_SCENARIO(fn, name) void fn(Backend& backend);
HALLMARK_STORE_SCENARIOS(HALLMARK_DECLARE_SCENARIO)
#undef HALLMARK_DECLARE_SCENARIO

// Fills `store` with sample_log() plus nodes, checkpoints, heads, releases and findings.
void fill(EvidenceStore& store);
// Every read the store offers over the filled data, as text (for comparing backends).
std::string answers(EvidenceStore& store);

}  // namespace hallmark::evidence::test::scenario

// What `hallmark-signer query` says when a unit is not found: a query by --serial or
// --hardware-id that matches no entry is usually a mistyped or mis-padded label ("SN-032"
// for "SN-0032"), so the closest values the store holds are named. Reads the store only.
#pragma once

#include <string>

#include "signer/store/evidence_store.h"

namespace hallmark::signer {

// "" when `query` matches an entry, or names neither a serial nor a hardware id; otherwise
// one line for a person: what was not found and the nearest values in the store (edit
// distance, at most three), or that the store holds no entry at all.
[[nodiscard]] Result<std::string> no_match_hint(evidence::EvidenceStore& store,
                                                const evidence::EntryQuery& query);

}  // namespace hallmark::signer

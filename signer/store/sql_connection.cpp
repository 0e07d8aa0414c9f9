#include "signer/store/sql_connection.h"

namespace hallmark::evidence::sql {

Result<void> may_begin(bool in_transaction, const std::string& display_name) {
  if (in_transaction) return fail(ErrorCode::kUsage, display_name + ": a transaction is already open");
  return {};
}

Result<void> may_commit(bool in_transaction, bool failed, const std::string& display_name) {
  if (!in_transaction) return fail(ErrorCode::kUsage, display_name + ": commit without a transaction");
  if (failed) {
    return fail(ErrorCode::kUsage, display_name +
                                       ": a statement of this transaction failed; the transaction "
                                       "was rolled back and nothing was stored");
  }
  return {};
}

}  // namespace hallmark::evidence::sql

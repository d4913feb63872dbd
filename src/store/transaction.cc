// Transaction: the store's write transactions as a guard.
#include "store/store.h"

namespace drover {

Status Transaction::Begin() {
  if (open_) return Status::Internal("a store transaction was begun twice");
  Status st = store_->Begin();
  open_ = st.ok();
  return st;
}

Status Transaction::Commit() {
  if (!open_) return Status::Internal("a store transaction was committed without being begun");
  Status st = store_->Commit();
  if (st.ok()) open_ = false;  // a failed COMMIT leaves it open, to be rolled back
  return st;
}

void Transaction::Rollback() {
  if (!open_) return;
  open_ = false;
  store_->Rollback();
}

}  // namespace drover

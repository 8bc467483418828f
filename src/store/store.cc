#include "store/store.h"

#include <future>

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace lockstep {

const char* change_type_name(ChangeType t) {
  switch (t) {
    case ChangeType::kCreated: return "created";
    case ChangeType::kUpdated: return "updated";
    case ChangeType::kDeleted: return "deleted";
  }
  return "updated";
}

bool Store::write_sync(const std::function<bool(Tx&)>& job) {
  std::promise<bool> done;
  auto result = done.get_future();
  bool kept = false;
  write([&](Tx& tx) { return kept = job(tx); },
        [&](WriteOutcome outcome) { done.set_value(outcome == WriteOutcome::kCommitted && kept); });
  return result.get();
}

std::unique_ptr<Store> open_store(const StoreOptions& options) {
  if (options.url.starts_with("postgresql://") || options.url.starts_with("postgres://")) {
    return std::make_unique<PostgresStore>(options);
  }
  return std::make_unique<SqliteStore>(options);
}

}  // namespace lockstep

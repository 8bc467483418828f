#include "store/open.h"

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace lockstep {

bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

std::unique_ptr<Store> open_store(const StoreOptions& options) {
  if (is_postgres_url(options.url)) return std::make_unique<PostgresStore>(options);
  return std::make_unique<SqliteStore>(options);
}

std::unique_ptr<LocalReads> open_local_reads(Store& store) {
  auto* sqlite = dynamic_cast<SqliteStore*>(&store);
  return sqlite ? sqlite->local_reads() : nullptr;
}

Status restore_store(const std::string& backup_path, const std::string& url) {
  if (is_postgres_url(url)) {
    return Error(Code::kStoreUnavailable,
                 "lockstepd restores SQLite files only; restore PostgreSQL with pg_restore (see docs/operations.md)");
  }
  return sqlite_restore(backup_path, url);
}

}  // namespace lockstep

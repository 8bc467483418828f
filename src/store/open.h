// Opening a store by the URL of its database: the one place that knows which backends exist.
// lockstepd, the store tests and the fuzzers open stores here; every other layer sees only the
// interface (store/store.h), and cannot include a backend's headers (see src/CMakeLists.txt).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "store/local_reads.h"
#include "store/store.h"

namespace lockstep {

// Whether `url` names a PostgreSQL database (postgresql://... or postgres://...). Anything else
// is the path of a SQLite file.
bool is_postgres_url(std::string_view url);

// Opens (creating and migrating if needed) the store named by options.url. Throws StoreError
// with a one-line reason when it cannot.
std::unique_ptr<Store> open_store(const StoreOptions& options);

// What `store` offers for answering reads from memory, or null when it offers nothing (PostgreSQL:
// several nodes share the database). REQUIRES: `store` was opened by open_store and outlives it.
std::unique_ptr<LocalReads> open_local_reads(Store& store);

// Replaces the database at `url` with the backup at `backup_path` (one made by Store::backup_to).
// Returns a one-line reason on failure; stores without it say so. REQUIRES: no server uses the
// database (lockstepd checks its lock file first).
Status restore_store(const std::string& backup_path, const std::string& url);

}  // namespace lockstep

// The PostgreSQL schema of the store and its migration on start.
#pragma once

#include "store/postgres/pg.h"

namespace lockstep::pg {

// The schema version this build writes and reads.
constexpr std::int64_t kSchemaVersion = 1;

// Creates or migrates the schema to kSchemaVersion in one transaction. Safe when several nodes
// start at once: they take turns on a transaction-scoped advisory lock, and whoever comes second
// finds the work done. Throws StoreError when the database is newer than this build.
void migrate(Connection& conn);

}  // namespace lockstep::pg

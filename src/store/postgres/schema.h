// The PostgreSQL schema of the store and its migration on start.
#pragma once

#include <vector>

#include "store/postgres/pg.h"

namespace lockstep::pg {

// The schema version this build writes and reads.
constexpr std::int64_t kSchemaVersion = 3;

// The table of the schema version (key 'schema_version'), made before any step runs.
constexpr const char* kMetaTable =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT COLLATE \"C\" PRIMARY KEY, value BIGINT NOT NULL)";

// The migration steps, each one SQL script: step N (at N-1) takes a database from version N-1 to
// N. Steps never change once released, so a test builds a database of an older version by
// making kMetaTable and running the first steps.
std::vector<const char*> schema_steps();

// Creates or migrates the schema to kSchemaVersion in one transaction. Safe when several nodes
// start at once: they take turns on a transaction-scoped advisory lock, and whoever comes second
// finds the work done. Throws StoreError when the database is newer than this build.
void migrate(Connection& conn);

}  // namespace lockstep::pg

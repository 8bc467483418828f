// The SQLite schema of the store and its migration on start.
#pragma once

#include <vector>

namespace lockstep::sqlite {

class Db;

// The schema version this build writes and reads (PRAGMA user_version).
constexpr int kSchemaVersion = 3;

// Creates or migrates the schema to kSchemaVersion in one transaction (BEGIN IMMEDIATE: one
// process at a time). Throws StoreError when the database is newer than this build.
void migrate(Db& db);

// The migration steps, each one SQL script: step N (at N-1) takes a database from version N-1 to
// N. Steps never change once released, so a test builds a database of an older version by running
// the first steps and setting PRAGMA user_version.
std::vector<const char*> schema_steps();

}  // namespace lockstep::sqlite

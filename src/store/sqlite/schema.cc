#include "store/sqlite/schema.h"

#include <iterator>
#include <string>

#include "store/sqlite/db.h"

namespace lockstep::sqlite {
namespace {

// Version 1: the tables. Every statement is IF NOT EXISTS / OR IGNORE, as databases made before
// the schema had a version number ran it on every start.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta(key, value) VALUES ('revision', 0);
INSERT OR IGNORE INTO meta(key, value) VALUES ('lock_token', 0);
INSERT OR IGNORE INTO meta(key, value) VALUES ('feed_pruned_through', 0);

CREATE TABLE IF NOT EXISTS tasks (
  task_id        TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL,
  title          TEXT NOT NULL,
  description    TEXT NOT NULL,
  due            INTEGER NOT NULL,
  warning_offset INTEGER NOT NULL,
  status         TEXT NOT NULL,
  version        INTEGER NOT NULL,
  revision       INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  updated_by     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tasks_by_user ON tasks(user_id, task_id);
CREATE INDEX IF NOT EXISTS tasks_by_status ON tasks(status, task_id);
CREATE INDEX IF NOT EXISTS tasks_by_due ON tasks(due, task_id);

CREATE TABLE IF NOT EXISTS changes (
  revision INTEGER PRIMARY KEY,
  type     TEXT NOT NULL,
  task_id  TEXT NOT NULL,
  version  INTEGER NOT NULL,
  task     TEXT,
  by       TEXT NOT NULL,
  at       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_by_task ON changes(task_id, revision);

CREATE TABLE IF NOT EXISTS locks (
  task_id     TEXT PRIMARY KEY,
  owner       TEXT NOT NULL,
  token       INTEGER NOT NULL,
  acquired_at INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS products (
  product_id TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  stock      INTEGER NOT NULL CHECK (stock >= 0),
  price      REAL NOT NULL,
  version    INTEGER NOT NULL,
  revision   INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS idempotency (
  principal  TEXT NOT NULL,
  key        TEXT NOT NULL,
  method     TEXT NOT NULL,
  target     TEXT NOT NULL,
  body_hash  TEXT NOT NULL,
  response   TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (principal, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idempotency_by_age ON idempotency(created_at);

CREATE TABLE IF NOT EXISTS users (
  name       TEXT PRIMARY KEY,
  role       TEXT NOT NULL,
  token_hash TEXT UNIQUE,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Version 2: lists filtered by user and status read one index range in task_id order.
constexpr const char* kVersion2 = R"sql(
CREATE INDEX IF NOT EXISTS tasks_by_user_status ON tasks(user_id, status, task_id);
)sql";

// Version 3: no copy of a token is kept (API.md §2). An answer to a user creation stored for an
// Idempotency-Key before lockstepd stopped keeping tokens gets "token": null, as its replay now
// says. The body is a JSON string inside the stored answer: `'' ||` makes the edited body plain
// text again, which json_set stores as a string (a JSON function's result it would nest as an
// object). secure_delete overwrites what a change frees instead of leaving the old text in free
// pages (and in every backup made of them); Debian's SQLite has it on by default.
constexpr const char* kVersion3 = R"sql(
PRAGMA secure_delete = ON;
UPDATE idempotency
   SET response = json_set(response, '$.body', '' || json_set(json_extract(response, '$.body'), '$.token', NULL))
 WHERE method = 'POST'
   AND CASE WHEN json_valid(json_extract(response, '$.body'))
            THEN json_type(json_extract(response, '$.body'), '$.token') = 'text' END;
)sql";

// Step N takes a database from version N-1 to N. A later version appends a step; steps never change.
constexpr const char* kSteps[] = {kVersion1, kVersion2, kVersion3};
static_assert(std::size(kSteps) == kSchemaVersion);

}  // namespace

void migrate(Db& db) {
  Transaction transaction(db, "BEGIN IMMEDIATE");
  Stmt version(db, "PRAGMA user_version");
  version.step();
  std::int64_t current = version.int64(0);
  version.reset();
  if (current > kSchemaVersion) {
    throw StoreError("the database has schema version " + std::to_string(current) + ", newer than this lockstepd (" +
                     std::to_string(kSchemaVersion) + ")");
  }
  for (std::int64_t v = current + 1; v <= kSchemaVersion; ++v) db.exec(kSteps[v - 1]);
  db.exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
  transaction.commit();
}

std::vector<const char*> schema_steps() { return {std::begin(kSteps), std::end(kSteps)}; }

}  // namespace lockstep::sqlite
